#!/usr/bin/env python3
"""The licence check of deny.toml, without building cargo-deny: every crate
the workspace's libraries and programs are built from (normal and build
dependencies, every target and feature; not dev-dependencies) must carry a
licence expression that deny.toml's [licenses] allow list satisfies.

Usage: python3 .ci/licenses.py          (from the repository root)
Prints each crate that fails, and exits 1 if any does.
"""

import json
import re
import subprocess
import sys
import tomllib


def satisfied(expr: str, allow: set) -> bool:
    """Whether an SPDX expression (OR, AND, WITH, parentheses) is met."""
    tokens = re.findall(r"\(|\)|[^\s()]+", expr.replace("/", " OR "))
    pos = 0

    def peek():
        return tokens[pos] if pos < len(tokens) else None

    def take():
        nonlocal pos
        pos += 1
        return tokens[pos - 1]

    def primary():
        if peek() == "(":
            take()
            v = disjunction()
            if take() != ")":
                raise ValueError(expr)
            return v
        lic = take()
        if peek() == "WITH":
            take()
            exc = take()
            return f"{lic} WITH {exc}" in allow or lic in allow
        return lic in allow

    def conjunction():
        v = primary()
        while peek() == "AND":
            take()
            v = primary() and v
        return v

    def disjunction():
        v = conjunction()
        while peek() == "OR":
            take()
            v = conjunction() or v
        return v

    result = disjunction()
    if pos != len(tokens):
        raise ValueError(expr)
    return result


def main() -> int:
    with open("deny.toml", "rb") as f:
        allow = set(tomllib.load(f)["licenses"]["allow"])
    meta = json.loads(
        subprocess.run(
            ["cargo", "metadata", "--format-version", "1", "--all-features", "--locked"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
    )
    packages = {p["id"]: p for p in meta["packages"]}
    nodes = {n["id"]: n for n in meta["resolve"]["nodes"]}
    members = set(meta["workspace_members"])
    shipped, todo = set(), list(members)
    while todo:
        pid = todo.pop()
        if pid in shipped:
            continue
        shipped.add(pid)
        for dep in nodes[pid]["deps"]:
            kinds = {k["kind"] for k in dep["dep_kinds"]}
            if kinds - {"dev"}:
                todo.append(dep["pkg"])
    bad = []
    for pid in sorted(shipped, key=lambda i: packages[i]["name"]):
        p = packages[pid]
        lic = p.get("license")
        if not lic:
            bad.append(f"{p['name']} {p['version']}: no licence expression")
        elif not satisfied(lic, allow):
            bad.append(f"{p['name']} {p['version']}: {lic}")
    for line in bad:
        print("licence not allowed:", line)
    print(f"licences: {len(shipped)} crates checked, {len(bad)} not allowed")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
