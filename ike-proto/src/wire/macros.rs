//! `wire_enum!`: open wire enums as a newtype over the integer.

/// Declares an open wire enum: a `Copy` newtype over the integer with one
/// associated constant per known value. Unknown values are representable and
/// round-trip; `Debug` and `Display` print the constant's name when known and
/// `Type(value)` otherwise.
macro_rules! wire_enum {
    (
        $(#[$meta:meta])*
        pub struct $name:ident($int:ty) {
            $(
                $(#[$cmeta:meta])*
                $konst:ident = $val:literal,
            )*
        }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
        pub struct $name(pub $int);

        impl $name {
            $(
                $(#[$cmeta])*
                pub const $konst: Self = Self($val);
            )*

            /// Every named value, in declaration order.
            pub const KNOWN: &'static [Self] = &[$(Self::$konst),*];

            /// The constant's name, if this value has one.
            pub const fn name(self) -> Option<&'static str> {
                match self.0 {
                    $($val => Some(stringify!($konst)),)*
                    _ => None,
                }
            }

            /// The integer on the wire.
            pub const fn get(self) -> $int {
                self.0
            }
        }

        impl From<$int> for $name {
            fn from(v: $int) -> Self {
                Self(v)
            }
        }

        impl From<$name> for $int {
            fn from(v: $name) -> Self {
                v.0
            }
        }

        impl core::fmt::Debug for $name {
            fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                match self.name() {
                    Some(n) => f.write_str(n),
                    None => write!(f, "{}({})", stringify!($name), self.0),
                }
            }
        }

        impl core::fmt::Display for $name {
            fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                core::fmt::Debug::fmt(self, f)
            }
        }
    };
}

/// Declares a payload whose body is one opaque byte string with a length
/// range: `parse` checks the range, `emit` refuses what `parse` would.
macro_rules! opaque_payload {
    (
        $(#[$meta:meta])*
        pub struct $name:ident {
            $(#[$fmeta:meta])*
            pub $field:ident,
        }
        what = $what:literal,
        len = $min:expr, $max:expr;
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        pub struct $name {
            $(#[$fmeta])*
            pub $field: Vec<u8>,
        }

        impl $name {
            /// Smallest body length that parses.
            pub const MIN_LEN: usize = $min;
            /// Largest body length that parses.
            pub const MAX_LEN: usize = $max;

            /// Wraps the bytes (checked when emitting).
            pub fn new(bytes: impl Into<Vec<u8>>) -> Self {
                Self { $field: bytes.into() }
            }

            /// Parses the payload body (after the generic payload header).
            pub fn parse(body: &[u8]) -> Result<Self, $crate::error::Error> {
                $crate::wire::codec::check_parse_len(body.len(), Self::MIN_LEN, Self::MAX_LEN, $what)?;
                Ok(Self { $field: body.to_vec() })
            }

            /// Appends the payload body.
            pub fn emit(&self, out: &mut Vec<u8>) -> Result<(), $crate::error::Error> {
                $crate::wire::codec::emit_atomic(out, |w| self.write(w))
            }

            pub(crate) fn write(
                &self,
                w: &mut $crate::wire::codec::Writer<'_>,
            ) -> Result<(), $crate::error::Error> {
                $crate::wire::codec::check_emit_len(self.$field.len(), Self::MIN_LEN, Self::MAX_LEN, $what)?;
                w.bytes(&self.$field);
                Ok(())
            }

            /// Bytes [`Self::emit`] writes (without the generic header).
            pub fn buffer_len(&self) -> usize {
                self.$field.len()
            }
        }
    };
}

/// The tests every [`opaque_payload!`] type gets: a body at the bounds
/// parses, equals the constructed value and emits byte for byte; one byte
/// outside them is PAYLOAD-MALFORMED on parse and refused on emit.
#[cfg(test)]
macro_rules! opaque_payload_tests {
    ($name:ident) => {
        #[cfg(test)]
        mod tests {
            use super::*;
            use crate::wire::NotifyType;

            #[test]
            fn construct_parse_emit() {
                let body: Vec<u8> = (0..$name::MIN_LEN.max(16)).map(|i| i as u8).collect();
                let p = $name::parse(&body).unwrap();
                assert_eq!(p, $name::new(body.clone()));
                let mut out = Vec::new();
                p.emit(&mut out).unwrap();
                assert_eq!(out, body);
                assert_eq!(p.buffer_len(), body.len());
            }

            #[test]
            fn out_of_range_lengths() {
                let short = vec![0u8; $name::MIN_LEN - 1];
                let e = $name::parse(&short).unwrap_err();
                assert_eq!(e.notify(), Some(NotifyType::PAYLOAD_MALFORMED));
                let mut out = Vec::new();
                assert!($name::new(short).emit(&mut out).is_err());
                let long = vec![0u8; $name::MAX_LEN + 1];
                assert!($name::parse(&long).is_err());
                assert!($name::new(long).emit(&mut out).is_err());
                assert!(out.is_empty());
            }
        }
    };
}
