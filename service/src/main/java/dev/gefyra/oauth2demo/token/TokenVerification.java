package dev.gefyra.oauth2demo.token;

/**
 * How the forwarded access token is checked.
 */
public enum TokenVerification {

	/**
	 * Verify the signature against the issuer's JWKS, and check {@code iss}, {@code aud},
	 * {@code exp}, {@code nbf}.
	 */
	JWKS,

	/**
	 * Decode only, verifying nothing; allowed only while the service listens on loopback.
	 */
	NONE

}
