#!/usr/bin/env python3
"""Build known_packets.json: complete ESP packets computed independently of
esp-core, with Python's `cryptography` and `hmac` modules, for byte-exact
tests of OutboundSa::seal (and InboundSa::open).

Run from this directory: python3 gen_known_packets.py > known_packets.json
Each case fixes every input (keys, the CBC IV the test RNG hands out, the
sequence number, the inner packet) so the output is fully determined.
"""
import hashlib
import hmac
import json
import struct

from cryptography.hazmat.primitives.ciphers import Cipher, modes
from cryptography.hazmat.primitives.ciphers import algorithms
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

try:
    from cryptography.hazmat.decrepit.ciphers.algorithms import TripleDES
except ImportError:  # older cryptography
    TripleDES = algorithms.TripleDES


def checksum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return (~s) & 0xFFFF


def ipv4(src, dst, proto, payload, ident=0x1234, ttl=64):
    hdr = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), ident, 0, ttl, proto, 0,
                      bytes(src), bytes(dst))
    hdr = hdr[:10] + struct.pack("!H", checksum(hdr)) + hdr[12:]
    return hdr + payload


def icmp_echo(ident, seq, data):
    msg = struct.pack("!BBHHH", 8, 0, 0, ident, seq) + data
    return msg[:2] + struct.pack("!H", checksum(msg)) + msg[4:]


def udp(sport, dport, data):
    return struct.pack("!HHHH", sport, dport, 8 + len(data), 0) + data


CIPHERS = {
    "TripleDesCbc": (8, 8, lambda k: TripleDES(k)),
    "AesCbc128": (16, 16, algorithms.AES),
    "AesCbc192": (16, 16, algorithms.AES),
    "AesCbc256": (16, 16, algorithms.AES),
    "Null": (4, 0, None),
    "AesGcm128": (4, 8, None),
    "AesGcm256": (4, 8, None),
}
MACS = {
    "None": (None, 0),
    "HmacMd5_96": (hashlib.md5, 12),
    "HmacSha1_96": (hashlib.sha1, 12),
    "HmacSha256_128": (hashlib.sha256, 16),
}


def seal(case):
    enc, integ = case["encryption"], case["integrity"]
    align, iv_len, algo = CIPHERS[enc]
    digest, icv_len = MACS[integ]
    spi, seq, esn = case["spi"], case["sequence"], case["esn"]
    inner = bytes.fromhex(case["inner"])
    key = bytes.fromhex(case["encryption_key"])
    pad = (align - (len(inner) + 2) % align) % align
    plain = inner + bytes(range(1, pad + 1)) + bytes([pad, case["next_header"]])
    header = struct.pack("!II", spi, seq & 0xFFFFFFFF)
    if enc.startswith("AesGcm"):
        iv = struct.pack("!Q", seq)
        aad = struct.pack("!IQ", spi, seq) if esn else header
        nonce = key[-4:] + iv
        sealed = AESGCM(key[:-4]).encrypt(nonce, plain, aad)  # ciphertext || 16-byte tag
        esp = header + iv + sealed
    else:
        iv = bytes.fromhex(case["iv"])
        if algo is None:
            ct = plain
        else:
            e = Cipher(algo(key), modes.CBC(iv)).encryptor()
            ct = e.update(plain) + e.finalize()
        esp = header + iv + ct
        if digest is not None:
            mac_input = esp + (struct.pack("!I", seq >> 32) if esn else b"")
            esp += hmac.new(bytes.fromhex(case["integrity_key"]), mac_input, digest).digest()[:icv_len]
    if case.get("udp"):
        sport, dport = case["udp"]
        esp = struct.pack("!HHHH", sport, dport, 8 + len(esp), 0) + esp
    return esp


def key(n, start):
    return bytes((start + 7 * i) & 0xFF for i in range(n)).hex()


ping = ipv4([10, 1, 0, 1], [10, 2, 0, 1], 1, icmp_echo(0x4242, 1, bytes(range(32))))
cases = [
    {
        "name": "tunnel 3DES-CBC + HMAC-SHA1-96 (esp-3des esp-sha-hmac), ICMP echo in IPv4",
        "mode": "tunnel", "encryption": "TripleDesCbc", "integrity": "HmacSha1_96",
        "spi": 0x7A1AB8F3, "sequence": 1, "esn": False, "udp": None,
        "encryption_key": key(24, 0x11), "integrity_key": key(20, 0x99),
        "iv": "0001020304050607", "inner": ping.hex(), "next_header": 4,
    },
    {
        "name": "tunnel AES-CBC-192 + HMAC-SHA1-96, empty inner packet (pad 14)",
        "mode": "tunnel", "encryption": "AesCbc192", "integrity": "HmacSha1_96",
        "spi": 0x100, "sequence": 2, "esn": False, "udp": None,
        "encryption_key": key(24, 0x21), "integrity_key": key(20, 0x31),
        "iv": "f0e0d0c0b0a090807060504030201000", "inner": "", "next_header": 59,
    },
    {
        "name": "tunnel NULL + HMAC-MD5-96, ICMP echo in IPv4",
        "mode": "tunnel", "encryption": "Null", "integrity": "HmacMd5_96",
        "spi": 0xC0FFEE, "sequence": 3, "esn": False, "udp": None,
        "encryption_key": "", "integrity_key": key(16, 0x41),
        "iv": "", "inner": ping.hex(), "next_header": 4,
    },
    {
        "name": "transport AES-GCM-128 with ESN (AAD SPI|seq-high|seq-low), UDP segment",
        "mode": "transport", "encryption": "AesGcm128", "integrity": "None",
        "spi": 0x0000A5F8, "sequence": (1 << 32) | 5, "esn": True, "udp": None,
        "encryption_key": key(16, 0x51) + "cafebabe", "integrity_key": "",
        "iv": "", "inner": udp(5353, 53, b"esp-core known packet").hex(), "next_header": 17,
    },
    {
        "name": "tunnel AES-GCM-256, 1-byte inner packet",
        "mode": "tunnel", "encryption": "AesGcm256", "integrity": "None",
        "spi": 0xFEEDFACE, "sequence": 1, "esn": False, "udp": None,
        "encryption_key": key(32, 0x61) + "01020304", "integrity_key": "",
        "iv": "", "inner": "ab", "next_header": 4,
    },
    {
        "name": "UDP-encapsulated (4500 -> 4501) transport AES-CBC-256 + HMAC-SHA-256-128 with ESN",
        "mode": "transport", "encryption": "AesCbc256", "integrity": "HmacSha256_128",
        "spi": 0x12345678, "sequence": (2 << 32) | 7, "esn": True, "udp": [4500, 4501],
        "encryption_key": key(32, 0x71), "integrity_key": key(32, 0x81),
        "iv": "00112233445566778899aabbccddeeff", "inner": udp(1234, 80, b"GET / HTTP/1.0\r\n\r\n").hex(),
        "next_header": 17,
    },
    {
        "name": "tunnel AES-CBC-128 + HMAC-SHA-256-128, ICMP echo in IPv4",
        "mode": "tunnel", "encryption": "AesCbc128", "integrity": "HmacSha256_128",
        "spi": 0xDEADBEEF, "sequence": 1, "esn": False, "udp": None,
        "encryption_key": key(16, 0x91), "integrity_key": key(32, 0xA1),
        "iv": "0f0e0d0c0b0a09080706050403020100", "inner": ping.hex(), "next_header": 4,
    },
]
for c in cases:
    c["expected"] = seal(c).hex()

print(json.dumps({
    "source": "computed by gen_known_packets.py (this directory) with Python 'cryptography' "
              + "and the standard hmac module, independently of esp-core",
    "license_note": "generated test data, same license as esp-core",
    "cases": cases,
}, indent=1))
