//! The ISAKMP wire codec: header and payloads as checked zero-copy views and owned representations.
