//! The names NuGet.Frameworks knows: framework identifiers with their synonyms and short names,
//! and the profile short names. Lookups follow NuGet's rule: try the mapping, and when the text is
//! already a value of the mapping, answer that value as NuGet spells it.

use super::text::eq_ignore_case;

/// The identifiers NuGet.Frameworks names, as it spells them.
pub(crate) mod ids {
    pub const ANY: &str = "Any";
    pub const AGNOSTIC: &str = "Agnostic";
    pub const UNSUPPORTED: &str = "Unsupported";

    pub const NET_CORE_APP: &str = ".NETCoreApp";
    pub const NET_STANDARD_APP: &str = ".NETStandardApp";
    pub const NET_STANDARD: &str = ".NETStandard";
    pub const NET_PLATFORM: &str = ".NETPlatform";
    pub const NET: &str = ".NETFramework";
    pub const NET_CORE: &str = ".NETCore";
    pub const WIN_RT: &str = "WinRT";
    pub const NET_MICRO: &str = ".NETMicroFramework";
    pub const PORTABLE: &str = ".NETPortable";
    pub const WINDOWS_PHONE: &str = "WindowsPhone";
    pub const WINDOWS: &str = "Windows";
    pub const WINDOWS_PHONE_APP: &str = "WindowsPhoneApp";
    pub const DNX: &str = "DNX";
    pub const DNX_CORE: &str = "DNXCore";
    pub const ASP_NET: &str = "ASP.NET";
    pub const ASP_NET_CORE: &str = "ASP.NETCore";
    pub const SILVERLIGHT: &str = "Silverlight";
    pub const NATIVE: &str = "native";
    pub const MONO_ANDROID: &str = "MonoAndroid";
    pub const MONO_TOUCH: &str = "MonoTouch";
    pub const MONO_MAC: &str = "MonoMac";
    pub const XAMARIN_IOS: &str = "Xamarin.iOS";
    pub const XAMARIN_MAC: &str = "Xamarin.Mac";
    pub const XAMARIN_PS3: &str = "Xamarin.PlayStation3";
    pub const XAMARIN_PS4: &str = "Xamarin.PlayStation4";
    pub const XAMARIN_PS_VITA: &str = "Xamarin.PlayStationVita";
    pub const XAMARIN_WATCH_OS: &str = "Xamarin.WatchOS";
    pub const XAMARIN_TV_OS: &str = "Xamarin.TVOS";
    pub const XAMARIN_XBOX_360: &str = "Xamarin.Xbox360";
    pub const XAMARIN_XBOX_ONE: &str = "Xamarin.XboxOne";
    pub const UAP: &str = "UAP";
    pub const TIZEN: &str = "Tizen";
}

use ids::*;

/// Other spellings of identifiers (`NETFramework`, `.NET`, `asp.net`).
const SYNONYMS: &[(&str, &str)] = &[
    ("NETFramework", NET),
    (".NET", NET),
    ("NETCore", NET_CORE),
    ("NETPortable", PORTABLE),
    ("asp.net", ASP_NET),
    ("asp.netcore", ASP_NET_CORE),
    ("Xamarin.PlayStationThree", XAMARIN_PS3),
    ("XamarinPlayStationThree", XAMARIN_PS3),
    ("Xamarin.PlayStationFour", XAMARIN_PS4),
    ("XamarinPlayStationFour", XAMARIN_PS4),
    ("XamarinPlayStationVita", XAMARIN_PS_VITA),
];

/// Identifier and its short folder name, in NuGet's order.
const SHORT_NAMES: &[(&str, &str)] = &[
    (NET_CORE_APP, "netcoreapp"),
    (NET_STANDARD_APP, "netstandardapp"),
    (NET_STANDARD, "netstandard"),
    (NET_PLATFORM, "dotnet"),
    (NET, "net"),
    (NET_MICRO, "netmf"),
    (SILVERLIGHT, "sl"),
    (PORTABLE, "portable"),
    (WINDOWS_PHONE, "wp"),
    (WINDOWS_PHONE_APP, "wpa"),
    (WINDOWS, "win"),
    (ASP_NET, "aspnet"),
    (ASP_NET_CORE, "aspnetcore"),
    (NATIVE, "native"),
    (MONO_ANDROID, "monoandroid"),
    (MONO_TOUCH, "monotouch"),
    (MONO_MAC, "monomac"),
    (XAMARIN_IOS, "xamarinios"),
    (XAMARIN_MAC, "xamarinmac"),
    (XAMARIN_PS3, "xamarinpsthree"),
    (XAMARIN_PS4, "xamarinpsfour"),
    (XAMARIN_PS_VITA, "xamarinpsvita"),
    (XAMARIN_WATCH_OS, "xamarinwatchos"),
    (XAMARIN_TV_OS, "xamarintvos"),
    (XAMARIN_XBOX_360, "xamarinxboxthreesixty"),
    (XAMARIN_XBOX_ONE, "xamarinxboxone"),
    (DNX, "dnx"),
    (DNX_CORE, "dnxcore"),
    (NET_CORE, "netcore"),
    (WIN_RT, "winrt"),
    (UAP, "uap"),
    (TIZEN, "tizen"),
];

/// Profile short name and profile. NuGet keys these by framework but looks them up without it,
/// so `sl4-wp` and `net45-wp` both mean `WindowsPhone`.
const PROFILES: &[(&str, &str)] = &[
    ("Client", "Client"),
    ("CF", "CompactFramework"),
    ("Full", ""),
    ("WP", "WindowsPhone"),
    ("WP71", "WindowsPhone71"),
];

/// The identifiers whose short version may be a single digit (`win8`, `wp7`, `sl5`).
const SINGLE_DIGIT_VERSIONS: &[&str] = &[WINDOWS, WINDOWS_PHONE, SILVERLIGHT];

/// Looks `key` up in the `(key, value)` pairs, else answers the value it already is.
fn convert_or_normalize(pairs: &[(&'static str, &'static str)], key: &str) -> Option<&'static str> {
    let found = pairs.iter().find(|(k, _)| eq_ignore_case(k, key));
    found.map(|(_, v)| *v).or_else(|| {
        pairs
            .iter()
            .find(|(_, v)| eq_ignore_case(v, key))
            .map(|(_, v)| *v)
    })
}

/// The identifier a name stands for (`net` -> `.NETFramework`, `windows` -> `Windows`).
pub(crate) fn identifier(name: &str) -> Option<&'static str> {
    let synonym = SYNONYMS.iter().find(|(k, _)| eq_ignore_case(k, name));
    let short = || SHORT_NAMES.iter().find(|(_, s)| eq_ignore_case(s, name));
    let long = || SHORT_NAMES.iter().find(|(l, _)| eq_ignore_case(l, name));
    synonym
        .map(|(_, v)| *v)
        .or_else(|| short().map(|(l, _)| *l))
        .or_else(|| long().map(|(l, _)| *l))
}

/// The short folder name of an identifier (`.NETFramework` -> `net`).
pub(crate) fn short_identifier(identifier: &str) -> Option<&'static str> {
    convert_or_normalize(SHORT_NAMES, identifier)
}

/// The profile a short profile stands for (`CF` -> `CompactFramework`, `full` -> empty).
pub(crate) fn profile(short: &str) -> Option<&'static str> {
    convert_or_normalize(PROFILES, short)
}

/// The short name of a profile (`WindowsPhone` -> `WP`).
pub(crate) fn short_profile(profile: &str) -> Option<&'static str> {
    let swapped = PROFILES.iter().find(|(_, p)| eq_ignore_case(p, profile));
    swapped.map(|(s, _)| *s).or_else(|| {
        PROFILES
            .iter()
            .find(|(s, _)| eq_ignore_case(s, profile))
            .map(|(s, _)| *s)
    })
}

/// True when the identifier's short version may be one digit.
pub(crate) fn allows_single_digit_version(identifier: &str) -> bool {
    SINGLE_DIGIT_VERSIONS
        .iter()
        .any(|id| eq_ignore_case(id, identifier))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lookups() {
        assert_eq!(identifier("net"), Some(NET));
        assert_eq!(identifier("NETFramework"), Some(NET));
        assert_eq!(identifier("windows"), Some(WINDOWS));
        assert_eq!(identifier("android"), None);
        assert_eq!(short_identifier(".netcoreapp"), Some("netcoreapp"));
        assert_eq!(short_identifier("net"), Some("net"));
        assert_eq!(profile("cf"), Some("CompactFramework"));
        assert_eq!(profile("windowsphone"), Some("WindowsPhone"));
        assert_eq!(profile(""), Some(""));
        assert_eq!(short_profile("CompactFramework"), Some("CF"));
        assert_eq!(short_profile("full"), Some("Full"));
    }
}
