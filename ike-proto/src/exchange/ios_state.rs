//! IOS's names for where an IKE SA stands: the `show crypto isakmp sa`
//! states (`MM_KEY_EXCH`, `QM_IDLE`) and the finite-state machine's that
//! `debug crypto isakmp` prints in its `Old State = .. New State = ..`
//! lines (`IKE_I_MM5`, `IKE_P1_COMPLETE`). One enum, so a state is named
//! once and a misspelt one does not compile.

use core::fmt;

macro_rules! ios_states {
    ($($(#[$doc:meta])* $variant:ident = $name:literal,)*) => {
        /// A state as IOS names it; `Display` prints the IOS name.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum IosState {
            $($(#[$doc])* $variant,)*
        }

        impl IosState {
            /// IOS's name for the state.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $(Self::$variant => $name,)*
                }
            }
        }
    };
}

ios_states! {
    /// `MM_NO_STATE`: Main Mode begun, no proposal agreed yet.
    MmNoState = "MM_NO_STATE",
    /// `MM_SA_SETUP`: Main Mode proposal agreed, no DH values exchanged yet.
    MmSaSetup = "MM_SA_SETUP",
    /// `MM_KEY_EXCH`: DH values exchanged, peer not yet authenticated.
    MmKeyExch = "MM_KEY_EXCH",
    /// `MM_KEY_AUTH`: peer authenticated, about to become `QM_IDLE`.
    MmKeyAuth = "MM_KEY_AUTH",
    /// `AG_NO_STATE`: Aggressive Mode begun, nothing agreed yet.
    AgNoState = "AG_NO_STATE",
    /// `AG_INIT_EXCH`: first Aggressive Mode exchange done, not yet
    /// authenticated.
    AgInitExch = "AG_INIT_EXCH",
    /// `AG_AUTH`: Aggressive Mode authenticated, about to become `QM_IDLE`.
    AgAuth = "AG_AUTH",
    /// `QM_IDLE`: phase 1 complete, ready for Quick Mode.
    QmIdle = "QM_IDLE",
    /// `CONF_XAUTH`: phase 1 complete, Xauth still wanted of the peer.
    ConfXauth = "CONF_XAUTH",
    /// `CONF_ADDR`: Mode Config handing out an address.
    ConfAddr = "CONF_ADDR",

    /// `IKE_READY`: before the first message.
    IkeReady = "IKE_READY",
    /// `IKE_I_MM1`: Main Mode initiator, MM1 sent.
    IkeIMm1 = "IKE_I_MM1",
    /// `IKE_I_MM2`: Main Mode initiator, MM2 received.
    IkeIMm2 = "IKE_I_MM2",
    /// `IKE_I_MM3`: Main Mode initiator, MM3 sent.
    IkeIMm3 = "IKE_I_MM3",
    /// `IKE_I_MM4`: Main Mode initiator, MM4 received.
    IkeIMm4 = "IKE_I_MM4",
    /// `IKE_I_MM5`: Main Mode initiator, MM5 sent.
    IkeIMm5 = "IKE_I_MM5",
    /// `IKE_I_MM6`: Main Mode initiator, MM6 received.
    IkeIMm6 = "IKE_I_MM6",
    /// `IKE_R_MM1`: Main Mode responder, MM1 received.
    IkeRMm1 = "IKE_R_MM1",
    /// `IKE_R_MM2`: Main Mode responder, MM2 sent.
    IkeRMm2 = "IKE_R_MM2",
    /// `IKE_R_MM3`: Main Mode responder, MM3 received.
    IkeRMm3 = "IKE_R_MM3",
    /// `IKE_R_MM4`: Main Mode responder, MM4 sent.
    IkeRMm4 = "IKE_R_MM4",
    /// `IKE_R_MM5`: Main Mode responder, MM5 received.
    IkeRMm5 = "IKE_R_MM5",
    /// `IKE_I_AM1`: Aggressive Mode initiator, AM1 sent.
    IkeIAm1 = "IKE_I_AM1",
    /// `IKE_I_AM2`: Aggressive Mode initiator, AM2 received.
    IkeIAm2 = "IKE_I_AM2",
    /// `IKE_R_AM_AAA_AWAIT`: Aggressive Mode responder, waiting for the
    /// peer's key by its identity.
    IkeRAmAaaAwait = "IKE_R_AM_AAA_AWAIT",
    /// `IKE_R_AM2`: Aggressive Mode responder, AM2 sent.
    IkeRAm2 = "IKE_R_AM2",
    /// `IKE_R_AM3`: Aggressive Mode responder, AM3 received.
    IkeRAm3 = "IKE_R_AM3",
    /// `IKE_P1_COMPLETE`: phase 1 done.
    IkeP1Complete = "IKE_P1_COMPLETE",
    /// `IKE_DEST_SA`: the SA is being destroyed.
    IkeDestSa = "IKE_DEST_SA",

    /// `IKE_QM_READY`: before a Quick Mode's first message.
    IkeQmReady = "IKE_QM_READY",
    /// `IKE_QM_I_QM1`: Quick Mode initiator, QM1 sent.
    IkeQmIQm1 = "IKE_QM_I_QM1",
    /// `IKE_QM_SPI_STARVE`: Quick Mode responder, waiting for its SPI.
    IkeQmSpiStarve = "IKE_QM_SPI_STARVE",
    /// `IKE_QM_R_QM2`: Quick Mode responder, QM2 sent.
    IkeQmRQm2 = "IKE_QM_R_QM2",
    /// `IKE_QM_PHASE2_COMPLETE`: the child SA pair is installed.
    IkeQmPhase2Complete = "IKE_QM_PHASE2_COMPLETE",

    /// `IKE_XAUTH_AAA_START_LOGIN_AWAIT`: Xauth, waiting for the first
    /// login prompt (server) or the user's credentials (client).
    IkeXauthAaaStartLoginAwait = "IKE_XAUTH_AAA_START_LOGIN_AWAIT",
    /// `IKE_XAUTH_REQ_SENT`: Xauth server, REQUEST sent.
    IkeXauthReqSent = "IKE_XAUTH_REQ_SENT",
    /// `IKE_XAUTH_AAA_CONT_LOGIN_AWAIT`: Xauth server, waiting for the
    /// verdict on the credentials.
    IkeXauthAaaContLoginAwait = "IKE_XAUTH_AAA_CONT_LOGIN_AWAIT",
    /// `IKE_XAUTH_SET_SENT`: Xauth server, SET (the verdict) sent.
    IkeXauthSetSent = "IKE_XAUTH_SET_SENT",
    /// `IKE_XAUTH_REPLY_SENT`: Xauth client, REPLY sent.
    IkeXauthReplySent = "IKE_XAUTH_REPLY_SENT",
    /// `IKE_CONFIG_AUTHOR_AAA_AWAIT`: Mode Config server, waiting for the
    /// group's attributes.
    IkeConfigAuthorAaaAwait = "IKE_CONFIG_AUTHOR_AAA_AWAIT",
    /// `IKE_CONFIG_SET_SENT`: Mode Config server, SET sent.
    IkeConfigSetSent = "IKE_CONFIG_SET_SENT",
    /// `IKE_CONFIG_REQ_SENT`: Mode Config client, REQUEST sent.
    IkeConfigReqSent = "IKE_CONFIG_REQ_SENT",
}

impl IosState {
    /// Whether this is an Aggressive Mode responder's state (its first
    /// message is `IKE_AM_EXCH` rather than `IKE_MM_EXCH`).
    pub(crate) const fn aggressive_responder(self) -> bool {
        matches!(self, Self::IkeRAmAaaAwait | Self::IkeRAm2 | Self::IkeRAm3)
    }

    /// Whether this is a Main Mode responder's state.
    pub(crate) const fn main_mode_responder(self) -> bool {
        matches!(
            self,
            Self::IkeRMm1 | Self::IkeRMm2 | Self::IkeRMm3 | Self::IkeRMm4 | Self::IkeRMm5
        )
    }
}

impl fmt::Display for IosState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A state compares equal to its IOS name (`row.state == "QM_IDLE"`).
impl PartialEq<&str> for IosState {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl PartialEq<str> for IosState {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

#[cfg(test)]
mod tests {
    use super::IosState;

    #[test]
    fn display_is_the_ios_name() {
        assert_eq!(IosState::IkeIMm5.to_string(), "IKE_I_MM5");
        assert_eq!(IosState::QmIdle.to_string(), "QM_IDLE");
        assert_eq!(
            IosState::IkeXauthAaaContLoginAwait.to_string(),
            "IKE_XAUTH_AAA_CONT_LOGIN_AWAIT"
        );
        assert!(IosState::MmKeyExch == "MM_KEY_EXCH");
        assert!(IosState::MmKeyExch != "MM_KEY_AUTH");
    }
}
