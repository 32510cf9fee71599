# Build and install the C library: libikesuite.so.MAJOR (with its SONAME),
# libikesuite.a, include/ikesuite.h and ikesuite.pc.
#
#   make                                  cargo build --release -p ikesuite-ffi
#   make CARGOFLAGS='--features esp-core/aws-lc'   ESP on aws-lc-rs
#   make install PREFIX=/usr/local        (also DESTDIR=, LIBDIR=, INCLUDEDIR=)
#   make uninstall PREFIX=/usr/local
#
# Then: cc prog.c $(pkg-config --cflags --libs ikesuite)

PREFIX ?= /usr/local
LIBDIR ?= $(PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
PKGCONFIGDIR ?= $(LIBDIR)/pkgconfig
DESTDIR ?=

CARGO ?= cargo
CARGOFLAGS ?=
INSTALL ?= install
TARGET_DIR ?= $(if $(CARGO_TARGET_DIR),$(abspath $(CARGO_TARGET_DIR)),$(CURDIR)/target)
OUT := $(TARGET_DIR)/release

# The crate version (the workspace's) names the file; the ABI major, kept
# in ffi/build.rs next to the SONAME it sets, names the SONAME link.
VERSION := $(shell sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -n 1)
ABI_MAJOR := $(shell sed -n 's/^const ABI_MAJOR: u32 = \([0-9]*\);/\1/p' ffi/build.rs)
SONAME := libikesuite.so.$(ABI_MAJOR)
# What the static archive needs from the system, as printed by
# `rustc --print native-static-libs` for the Linux targets (GNU and musl
# take the same list); override for other platforms.
LIBS_PRIVATE ?= -lgcc_s -lutil -lrt -lpthread -lm -ldl -lc

.PHONY: all lib install uninstall

all: lib

lib:
	$(CARGO) build --release -p ikesuite-ffi $(CARGOFLAGS)

$(OUT)/ikesuite.pc: ffi/ikesuite.pc.in lib
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@LIBDIR@|$(LIBDIR)|' \
	    -e 's|@INCLUDEDIR@|$(INCLUDEDIR)|' -e 's|@VERSION@|$(VERSION)|' \
	    -e 's|@LIBS_PRIVATE@|$(LIBS_PRIVATE)|' $< > $@

install: lib $(OUT)/ikesuite.pc
	$(INSTALL) -d $(DESTDIR)$(LIBDIR) $(DESTDIR)$(INCLUDEDIR) $(DESTDIR)$(PKGCONFIGDIR)
	$(INSTALL) -m 755 $(OUT)/libikesuite.so $(DESTDIR)$(LIBDIR)/libikesuite.so.$(VERSION)
	ln -sf libikesuite.so.$(VERSION) $(DESTDIR)$(LIBDIR)/$(SONAME)
	ln -sf $(SONAME) $(DESTDIR)$(LIBDIR)/libikesuite.so
	$(INSTALL) -m 644 $(OUT)/libikesuite.a $(DESTDIR)$(LIBDIR)/libikesuite.a
	$(INSTALL) -m 644 include/ikesuite.h $(DESTDIR)$(INCLUDEDIR)/ikesuite.h
	$(INSTALL) -m 644 $(OUT)/ikesuite.pc $(DESTDIR)$(PKGCONFIGDIR)/ikesuite.pc

uninstall:
	rm -f $(DESTDIR)$(LIBDIR)/libikesuite.so.$(VERSION) $(DESTDIR)$(LIBDIR)/$(SONAME) \
	      $(DESTDIR)$(LIBDIR)/libikesuite.so $(DESTDIR)$(LIBDIR)/libikesuite.a \
	      $(DESTDIR)$(INCLUDEDIR)/ikesuite.h $(DESTDIR)$(PKGCONFIGDIR)/ikesuite.pc
