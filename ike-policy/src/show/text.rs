//! Small text helpers shared by the views.

/// Formats a number of seconds as IOS prints a remaining lifetime in
/// `show crypto isakmp sa detail`: `HH:MM:SS`, hours at least two digits
/// and never wrapped into days (`15343` gives `04:15:43`, `86400` gives
/// `24:00:00`).
///
/// ```
/// assert_eq!(ike_policy::show::format_hms(15_343), "04:15:43");
/// assert_eq!(ike_policy::show::format_hms(0), "00:00:00");
/// assert_eq!(ike_policy::show::format_hms(360_000), "100:00:00");
/// ```
pub fn format_hms(secs: u64) -> String {
    format!("{:02}:{:02}:{:02}", secs / 3600, secs / 60 % 60, secs % 60)
}

#[cfg(test)]
mod tests {
    use super::format_hms;

    #[test]
    fn hms_carries_minutes_and_hours() {
        assert_eq!(format_hms(59), "00:00:59");
        assert_eq!(format_hms(60), "00:01:00");
        assert_eq!(format_hms(3599), "00:59:59");
        assert_eq!(format_hms(86_400), "24:00:00");
        assert_eq!(format_hms(19_918), "05:31:58");
    }
}
