"""OpenID Connect relying party: discovery, the authorization request, the ID token checks.

The flow is the authorization-code flow with PKCE (S256), ``state`` and ``nonce``. The three
one-time values travel in one short-lived ``HttpOnly`` cookie bound to the browser that
started the login, so a callback with someone else's code or state fails. The ID token is
verified here before anything else is believed: signature against the provider's published
keys, issuer, audience (and ``azp``), expiry and nonce. Authlib builds the requests;
joserfc (Authlib's JOSE successor) checks the token.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from imagesteward.errors import AuthenticationError, ConfigurationError

if TYPE_CHECKING:
    from imagesteward.catalog import OidcIdentity
    from imagesteward.config import Settings

__all__ = ["FLOW_COOKIE", "FLOW_LIFETIME_SECONDS", "OidcProvider", "PendingLogin"]

FLOW_COOKIE = "imagesteward_oidc"
#: Ten minutes to get through the provider's sign-in page.
FLOW_LIFETIME_SECONDS = 600
#: How long a discovery document and its keys are trusted before being fetched again.
_DISCOVERY_TTL_SECONDS = 3600
_TIMEOUT_SECONDS = 10.0
#: Asymmetric algorithms only: "none" and HMAC with a public client id are refused.
_ALGORITHMS = ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "EdDSA"]
_CLOCK_SKEW_SECONDS = 60


@dataclass(frozen=True, slots=True)
class PendingLogin:
    """The one-time values of a login in progress, as kept in the flow cookie."""

    state: str
    nonce: str
    verifier: str

    @classmethod
    def new(cls) -> PendingLogin:
        """Fresh random values (256 bits each; the verifier is RFC 7636's 43+ characters)."""
        return cls(secrets.token_urlsafe(32), secrets.token_urlsafe(32), secrets.token_urlsafe(48))

    def cookie_value(self) -> str:
        """The cookie form: the three values joined (none contains a dot)."""
        return f"{self.state}.{self.nonce}.{self.verifier}"

    @classmethod
    def from_cookie(cls, value: str | None) -> PendingLogin | None:
        """The pending login a flow cookie holds, or ``None`` for a missing or mangled one."""
        parts = (value or "").split(".")
        if len(parts) != 3 or not all(parts):
            return None
        return cls(*parts)

    def __repr__(self) -> str:  # never print the values
        return "PendingLogin(...)"


class OidcProvider:
    """One configured provider: reads its discovery document, builds and checks the flow."""

    def __init__(self, settings: Settings) -> None:
        if not settings.oidc_issuer or not settings.oidc_client_id:
            raise ConfigurationError("OpenID Connect needs oidc_issuer and oidc_client_id.")
        self.issuer = settings.oidc_issuer.rstrip("/")
        self.client_id = settings.oidc_client_id
        secret = settings.oidc_client_secret
        self._client_secret = None if secret is None else secret.get_secret_value()
        self.scopes = settings.oidc_scopes
        if "openid" not in self.scopes.split():
            self.scopes = f"openid {self.scopes}".strip()
        self.name = settings.oidc_provider_name
        self.username_claim = settings.oidc_username_claim
        self.orcid_claim = settings.oidc_orcid_claim
        self._discovered: tuple[float, dict[str, Any], dict[str, Any]] | None = None

    @classmethod
    def of(cls, settings: Settings) -> OidcProvider | None:
        """The provider the settings configure, or ``None`` when OIDC is off."""
        if not settings.oidc_issuer or not settings.oidc_client_id:
            return None
        return cls(settings)

    def _client(self, redirect_uri: str) -> Any:
        from authlib.integrations.httpx_client import OAuth2Client  # type: ignore[import-untyped]

        return OAuth2Client(
            client_id=self.client_id,
            client_secret=self._client_secret,
            scope=self.scopes,
            redirect_uri=redirect_uri,
            code_challenge_method="S256",
            token_endpoint_auth_method=("client_secret_basic" if self._client_secret else "none"),
            timeout=_TIMEOUT_SECONDS,
        )

    def discovery(self) -> tuple[dict[str, Any], dict[str, Any]]:
        """The provider's discovery document and its key set (cached for an hour).

        Raises
        ------
        AuthenticationError
            When the provider cannot be reached or its document names another issuer.
        """
        cached = self._discovered
        if cached is not None and time.monotonic() - cached[0] < _DISCOVERY_TTL_SECONDS:
            return cached[1], cached[2]
        import httpx

        url = f"{self.issuer}/.well-known/openid-configuration"
        try:
            document = httpx.get(url, timeout=_TIMEOUT_SECONDS).raise_for_status().json()
            keys = httpx.get(document["jwks_uri"], timeout=_TIMEOUT_SECONDS)
            key_set = keys.raise_for_status().json()
        except (httpx.HTTPError, ValueError, KeyError) as error:
            raise AuthenticationError(
                f"The identity provider {self.issuer} could not be reached or sent no valid "
                f"discovery document ({type(error).__name__}); try again later."
            ) from error
        if str(document.get("issuer", "")).rstrip("/") != self.issuer:
            raise AuthenticationError(
                f"The discovery document of {self.issuer} names the issuer "
                f"{document.get('issuer')!r}; refusing it (OIDC Discovery 4.3)."
            )
        self._discovered = (time.monotonic(), document, key_set)
        return document, key_set

    def authorization_url(self, pending: PendingLogin, redirect_uri: str) -> str:
        """Where to send the browser: the provider's sign-in page with this login's values."""
        document, _ = self.discovery()
        url, _ = self._client(redirect_uri).create_authorization_url(
            document["authorization_endpoint"],
            state=pending.state,
            nonce=pending.nonce,
            code_verifier=pending.verifier,
        )
        return str(url)

    def identity(self, pending: PendingLogin, code: str, redirect_uri: str) -> OidcIdentity:
        """Redeem ``code`` and return the verified identity of its ID token.

        Raises
        ------
        AuthenticationError
            When the provider refuses the code or the ID token fails any check.
        """
        from authlib.oauth2 import OAuth2Error  # type: ignore[import-untyped]

        document, key_set = self.discovery()
        try:
            token = self._client(redirect_uri).fetch_token(
                document["token_endpoint"], code=code, code_verifier=pending.verifier
            )
        except (OAuth2Error, OSError, ValueError) as error:
            raise AuthenticationError(
                f"The identity provider refused the sign-in code ({type(error).__name__})."
            ) from error
        id_token = token.get("id_token")
        if not isinstance(id_token, str):
            raise AuthenticationError("The identity provider sent no ID token.")
        claims = self.verify_id_token(id_token, key_set, nonce=pending.nonce)
        return self._identity_of(claims)

    def verify_id_token(
        self, id_token: str, key_set: Mapping[str, Any], *, nonce: str, now: float | None = None
    ) -> dict[str, Any]:
        """The claims of ``id_token`` once its signature, iss, aud, azp, exp and nonce hold.

        Raises
        ------
        AuthenticationError
            Naming the check that failed.
        """
        from joserfc import jwt
        from joserfc.errors import JoseError
        from joserfc.jwk import KeySet

        try:
            keys = KeySet.import_key_set(dict(key_set))  # type: ignore[arg-type]
            token = jwt.decode(id_token, keys, algorithms=_ALGORITHMS)
            registry = jwt.JWTClaimsRegistry(
                now=int(now) if now is not None else None,
                leeway=_CLOCK_SKEW_SECONDS,
                iss={"essential": True, "value": self.issuer},
                aud={"essential": True, "value": self.client_id},
                sub={"essential": True},
                exp={"essential": True},
                iat={"essential": True},
                nonce={"essential": True, "value": nonce},
            )
            registry.validate(token.claims)
        except (JoseError, ValueError) as error:
            raise AuthenticationError(
                f"The ID token failed verification: {error.__class__.__name__}"
                f"{': ' + error.description if isinstance(error, JoseError) else ''}."
            ) from error
        claims = dict(token.claims)
        audiences = claims["aud"] if isinstance(claims["aud"], list) else [claims["aud"]]
        if len(audiences) > 1 and claims.get("azp") != self.client_id:
            raise AuthenticationError("The ID token names several audiences but not us as azp.")
        return claims

    def _identity_of(self, claims: dict[str, Any]) -> OidcIdentity:
        from imagesteward.catalog import OidcIdentity

        def text(name: str | None) -> str | None:
            value = claims.get(name) if name else None
            return value if isinstance(value, str) and value.strip() else None

        return OidcIdentity(
            issuer=self.issuer,
            subject=str(claims["sub"]),
            username=text(self.username_claim),
            display_name=text("name"),
            email=text("email"),
            orcid=text(self.orcid_claim),
        )
