//! Xauth from C: the embedder's own check of a client's credentials (the
//! server side) and the credentials it gives as a client.

use std::ffi::c_char;

use ike_policy::gateway::Instant;
use ike_proto::engine::IkeSaId;
use ike_proto::policy::XauthPassword;

use super::commands::command_error;
use super::{empty, handle, iks_gateway, invalid, put_terminated};
use crate::boundary::{FfiError, bytes, guard};
use crate::result::iks_result;

/// An Xauth user name or password is one attribute value (a 16-bit
/// length on the wire).
const MAX_ATTRIBUTE: usize = 65_535;

/// Takes the user name and password of the `IKS_EVENT_XAUTH_REQUEST` on
/// IKE SA `ike_sa`, for the embedder's own check (RADIUS, TACACS+ ...):
/// the user name into `user_buf` and the password into `pass_buf`, each
/// NUL-terminated, their lengths (without the NUL; the password may hold
/// NUL bytes, its length is what counts) into `*out_user_len` and
/// `*out_pass_len`.
///
/// The library's copy of the password is wiped as soon as it is copied
/// out, so the credentials can be taken once; wipe `pass_buf` yourself
/// when done with it. This is the only call that shows a password to C,
/// and only for checks the library was told to defer.
///
/// `IKS_ERR_EMPTY` when no credentials wait for `ike_sa` (never
/// requested, already taken, decided, or the SA is gone).
/// `IKS_ERR_BUFFER_TOO_SMALL` when either text and its NUL do not fit:
/// both needed lengths (without the NUL) are written, the buffers are
/// untouched and the credentials stay to be taken. Xauth limits neither
/// length; 256 bytes each hold what clients send in practice.
///
/// # Safety
/// `gw` a live handle; `user_buf` valid for `user_cap` bytes of writes and
/// `pass_buf` for `pass_cap`; `out_user_len` and `out_pass_len` valid for
/// a write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn iks_gateway_xauth_take_credentials(
    gw: *mut iks_gateway,
    ike_sa: u64,
    user_buf: *mut c_char,
    user_cap: usize,
    out_user_len: *mut usize,
    pass_buf: *mut u8,
    pass_cap: usize,
    out_pass_len: *mut usize,
) -> iks_result {
    guard(|| {
        // SAFETY: forwarded caller promise.
        let gw = unsafe { handle(gw)? };
        if user_buf.is_null()
            || out_user_len.is_null()
            || pass_buf.is_null()
            || out_pass_len.is_null()
        {
            return Err(FfiError::null(
                "user_buf/out_user_len/pass_buf/out_pass_len",
            ));
        }
        let pending = gw
            .xauth
            .get(&ike_sa)
            .ok_or_else(|| empty(&format!("Xauth credentials for IKE SA {ike_sa}")))?;
        let (user, pass) = (pending.user.as_bytes(), pending.password.as_bytes());
        if user.len() >= user_cap || pass.len() >= pass_cap {
            // SAFETY: both non-null and writable per the contract.
            unsafe {
                out_user_len.write(user.len());
                out_pass_len.write(pass.len());
            }
            return Err(FfiError::new(
                iks_result::IKS_ERR_BUFFER_TOO_SMALL,
                format!(
                    "buffers of {user_cap} and {pass_cap} bytes, {} and {} needed",
                    user.len() + 1,
                    pass.len() + 1
                ),
            ));
        }
        // SAFETY: non-null; the caller promised the capacities, which
        // exceed the lengths; our heap copies cannot overlap them.
        unsafe {
            put_terminated(user, user_buf.cast::<u8>());
            put_terminated(pass, pass_buf);
            out_user_len.write(user.len());
            out_pass_len.write(pass.len());
        }
        // Dropping it wipes the password.
        gw.xauth.remove(&ike_sa);
        Ok(())
    })
}

/// The verdict on the `IKS_EVENT_XAUTH_REQUEST` of IKE SA `ike_sa`, at
/// `now_ms`: `ok` sends XAUTH_STATUS OK and Mode Config follows
/// (`IKS_EVENT_XAUTH_DONE`, then `IKS_EVENT_CONFIG_ASSIGNED`); otherwise
/// FAIL, after which the client may try again (a new
/// `IKS_EVENT_XAUTH_REQUEST`) until its attempts run out and the IKE SA is
/// deleted. Drain `iks_gateway_poll_transmit` afterwards. Credentials not
/// taken are wiped. `IKS_ERR_INVALID_ARGUMENT` when the SA is unknown or
/// awaits no verdict (the text says which).
///
/// # Safety
/// `gw` a live handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn iks_gateway_xauth_verdict(
    gw: *mut iks_gateway,
    now_ms: u64,
    ike_sa: u64,
    ok: bool,
) -> iks_result {
    guard(|| {
        // SAFETY: forwarded caller promise.
        let gw = unsafe { handle(gw)? };
        gw.xauth.remove(&ike_sa);
        gw.gateway
            .xauth_verdict(Instant::from_millis(now_ms), ike_sa_id(ike_sa), ok)
            .map_err(|e| command_error(ike_sa, &e))
    })
}

/// As the Xauth client, answers the `IKS_EVENT_XAUTH_CREDENTIALS_REQUEST`
/// of IKE SA `ike_sa` with `user` (`user_len` bytes of UTF-8, no NUL
/// needed) and `pass` (`pass_len` bytes), at `now_ms`; drain
/// `iks_gateway_poll_transmit` afterwards. The library keeps the password
/// only in memory it wipes. A zero length may come with a NULL pointer.
/// `IKS_ERR_INVALID_ARGUMENT` when the user name is not UTF-8, the SA is
/// unknown or it awaits no credentials.
///
/// # Safety
/// `gw` a live handle; `user` valid for `user_len` bytes of reads and
/// `pass` for `pass_len`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn iks_gateway_xauth_credentials(
    gw: *mut iks_gateway,
    now_ms: u64,
    ike_sa: u64,
    user: *const u8,
    user_len: usize,
    pass: *const u8,
    pass_len: usize,
) -> iks_result {
    guard(|| {
        // SAFETY: forwarded caller promise.
        let gw = unsafe { handle(gw)? };
        // SAFETY: forwarded caller promise.
        let user = unsafe { bytes(user, user_len, MAX_ATTRIBUTE, "user")? };
        // SAFETY: forwarded caller promise.
        let pass = unsafe { bytes(pass, pass_len, MAX_ATTRIBUTE, "pass")? };
        let user =
            std::str::from_utf8(user).map_err(|_| invalid("the user name is not UTF-8 text"))?;
        gw.gateway
            .provide_xauth_credentials(
                Instant::from_millis(now_ms),
                ike_sa_id(ike_sa),
                user,
                XauthPassword::new(pass.to_vec()),
            )
            .map_err(|e| command_error(ike_sa, &e))
    })
}

/// The handle a C caller names (64 bits in the ABI, 32 in the engine):
/// one past 32 bits names no SA, and handle 0 is never given out.
fn ike_sa_id(raw: u64) -> IkeSaId {
    u32::try_from(raw).map_or(IkeSaId(0), IkeSaId)
}
