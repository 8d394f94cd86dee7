package dev.gefyra.oauth2demo.token;

import java.net.URI;
import java.time.Duration;
import java.util.List;

import org.jspecify.annotations.Nullable;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.security.oauth2.jose.jws.SignatureAlgorithm;
import org.springframework.util.unit.DataSize;

/**
 * The {@code token.*} settings: where the access token arrives and how it is verified.
 * Read once at start-up; a ConfigMap change to them takes effect on the next restart.
 *
 * @param header the request header carrying the raw access token
 * @param verification {@code jwks} or {@code none}
 * @param jwkSetUri the issuer's JWKS URL (the in-cluster Keycloak URL); required for
 * {@code jwks}
 * @param issuer the expected {@code iss} (the public realm URL); required for
 * {@code jwks}
 * @param audience an entry {@code aud} must contain
 * @param clockSkew tolerance when checking {@code exp} and {@code nbf}
 * @param algorithms the JWS algorithms accepted
 * @param jwksTimeout how long a JWKS fetch may take in all, from connecting to the last
 * byte, before the requests waiting for it fail with 503 (or, when it was to replace keys
 * past {@code jwksTtl}, are checked with those)
 * @param jwksTtl how long fetched keys are used: refreshed in the background during its
 * last tenth, fetched before use once it has passed (a failed fetch keeps them), so a key
 * removed from the JWKS is refused after at most this long
 * @param jwksRefetchInterval the least time between two JWKS fetches, so tokens naming
 * unknown {@code kid}s, or an unreachable JWKS, cannot make the service hammer the issuer
 * @param cacheSize verified tokens remembered at most (0: verify every request)
 * @param cacheMemory approximate memory the claims of remembered tokens may take at most
 * (0: verify every request); a token is charged at least {@code cacheMemory / cacheSize}
 * @param cacheTtl how long a verified token is remembered at most (never past its
 * {@code exp})
 */
@ConfigurationProperties("token")
public record TokenProperties(@DefaultValue("X-Forwarded-Access-Token") String header,
		@DefaultValue("jwks") TokenVerification verification, @Nullable URI jwkSetUri, @Nullable String issuer,
		@DefaultValue("oauth2-demo") String audience, @DefaultValue("30s") Duration clockSkew,
		@DefaultValue("RS256") List<SignatureAlgorithm> algorithms, @DefaultValue("5s") Duration jwksTimeout,
		@DefaultValue("5m") Duration jwksTtl, @DefaultValue("10s") Duration jwksRefetchInterval,
		@DefaultValue("10000") int cacheSize, @DefaultValue("32MB") DataSize cacheMemory,
		@DefaultValue("60s") Duration cacheTtl) {

	/**
	 * Headers OAuth2-Proxy never strips from requests: it sets them on responses only, so
	 * a client's value reaches the service as sent.
	 */
	private static final String UNMANAGED_HEADER_PREFIX = "X-Auth-Request-";

	public TokenProperties {
		if (verification == TokenVerification.JWKS && (jwkSetUri == null || issuer == null || issuer.isBlank())) {
			throw new IllegalArgumentException("token.verification=jwks needs token.jwk-set-uri and token.issuer "
					+ "(the issuer's JWKS URL and its public realm URL); set them, or use token.verification=none "
					+ "on a loopback address for local decoding only");
		}
		if (header.regionMatches(true, 0, UNMANAGED_HEADER_PREFIX, 0, UNMANAGED_HEADER_PREFIX.length())) {
			throw new IllegalArgumentException("token.header " + header + " cannot carry the token: OAuth2-Proxy "
					+ "sets X-Auth-Request-* headers on responses only and passes a client's value on as sent; "
					+ "use X-Forwarded-Access-Token");
		}
		if (clockSkew.isNegative()) {
			throw new IllegalArgumentException("token.clock-skew must not be negative");
		}
		if (!jwksTimeout.isPositive() || !jwksTtl.isPositive() || jwksRefetchInterval.isNegative()) {
			throw new IllegalArgumentException(
					"token.jwks-timeout and token.jwks-ttl must be positive, token.jwks-refetch-interval not negative");
		}
		if (jwksRefetchInterval.compareTo(jwksTtl) > 0) {
			throw new IllegalArgumentException("token.jwks-refetch-interval (" + jwksRefetchInterval
					+ ") must not exceed token.jwks-ttl (" + jwksTtl + "): keys past their TTL could not be "
					+ "fetched again before use, and a key removed from the JWKS would pass for that much longer");
		}
		if (cacheSize < 0 || cacheMemory.isNegative() || cacheTtl.isNegative()) {
			throw new IllegalArgumentException(
					"token.cache-size, token.cache-memory and token.cache-ttl must not be negative");
		}
		if (algorithms.isEmpty()) {
			throw new IllegalArgumentException("token.algorithms must name at least one JWS algorithm");
		}
	}

}
