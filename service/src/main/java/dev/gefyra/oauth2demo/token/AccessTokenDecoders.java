package dev.gefyra.oauth2demo.token;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.text.ParseException;
import java.time.Clock;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Collectors;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.source.JWKSecurityContextJWKSet;
import com.nimbusds.jose.proc.BadJOSEException;
import com.nimbusds.jose.proc.JWKSecurityContext;
import com.nimbusds.jose.proc.JWSVerificationKeySelector;
import com.nimbusds.jwt.JWT;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.nimbusds.jwt.proc.DefaultJWTProcessor;
import io.netty.channel.ChannelOption;
import reactor.core.publisher.Mono;
import reactor.netty.http.client.HttpClient;

import org.springframework.core.convert.converter.Converter;
import org.springframework.http.client.reactive.ReactorClientHttpConnector;
import org.springframework.security.oauth2.core.DelegatingOAuth2TokenValidator;
import org.springframework.security.oauth2.core.OAuth2TokenValidator;
import org.springframework.security.oauth2.core.OAuth2TokenValidatorResult;
import org.springframework.security.oauth2.jwt.BadJwtException;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.security.oauth2.jwt.JwtClaimNames;
import org.springframework.security.oauth2.jwt.JwtClaimValidator;
import org.springframework.security.oauth2.jwt.JwtException;
import org.springframework.security.oauth2.jwt.JwtIssuerValidator;
import org.springframework.security.oauth2.jwt.JwtTimestampValidator;
import org.springframework.security.oauth2.jwt.NimbusReactiveJwtDecoder;
import org.springframework.web.reactive.function.client.WebClient;

/**
 * Builds the access token decoder for the configured {@link TokenVerification}: a
 * verifying Nimbus decoder backed by the issuer's JWKS, or a decode-only one for loopback
 * use. Its failures say what went wrong; {@link AccessTokenVerifier} makes them verdicts.
 */
final class AccessTokenDecoders {

	private AccessTokenDecoders() {
	}

	/**
	 * Verifies RS256 (or the configured algorithms) signatures with the keys of
	 * {@link IssuerKeySet}, then {@code exp}/{@code nbf}, {@code iss} and {@code aud}.
	 */
	static NimbusReactiveJwtDecoder verifyingDecoder(TokenProperties properties) {
		Set<JWSAlgorithm> algorithms = properties.algorithms()
			.stream()
			.map((algorithm) -> JWSAlgorithm.parse(algorithm.getName()))
			.collect(Collectors.toUnmodifiableSet());
		IssuerKeySet keys = new IssuerKeySet(jwksClient(properties), Objects.requireNonNull(properties.jwkSetUri()),
				algorithms, properties.jwksTimeout(), properties.jwksTtl(), properties.jwksRefetchInterval(),
				Clock.systemUTC());
		NimbusReactiveJwtDecoder decoder = new NimbusReactiveJwtDecoder(signatureCheck(keys, algorithms));
		JwtTimestampValidator timestamps = new JwtTimestampValidator(properties.clockSkew());
		timestamps.setAllowEmptyExpiryClaim(false);
		decoder.setJwtValidator(new DelegatingOAuth2TokenValidator<>(List.of(timestamps,
				new JwtIssuerValidator(properties.issuer()), audienceValidator(properties.audience()))));
		return decoder;
	}

	/**
	 * Checks a token's signature with the keys {@link IssuerKeySet} picks for it, as
	 * {@code NimbusReactiveJwtDecoder.withJwkSource} does, except that the key set's
	 * errors reach the verifier as they are: that builder wraps every failure of its key
	 * source in an {@code IllegalStateException}.
	 */
	private static Converter<JWT, Mono<JWTClaimsSet>> signatureCheck(IssuerKeySet keys, Set<JWSAlgorithm> algorithms) {
		DefaultJWTProcessor<JWKSecurityContext> processor = new DefaultJWTProcessor<>();
		processor.setJWSKeySelector(new JWSVerificationKeySelector<>(algorithms, new JWKSecurityContextJWKSet()));
		// As the builder does: no typ check, and the claims are left to the validators.
		processor.setJWSTypeVerifier((header, context) -> {
		});
		processor.setJWTClaimsSetVerifier((claims, context) -> {
		});
		return (jwt) -> {
			if (!(jwt instanceof SignedJWT signed)) {
				return Mono.error(new UnacceptedAlgorithmException(
						"Unsupported algorithm of " + QuotedHeaderValue.of(jwt.getHeader().getAlgorithm())));
			}
			return keys.apply(signed).collectList().map((candidates) -> verifySignature(processor, signed, candidates));
		};
	}

	private static JWTClaimsSet verifySignature(DefaultJWTProcessor<JWKSecurityContext> processor, SignedJWT jwt,
			List<JWK> candidates) {
		try {
			return processor.process(jwt, new JWKSecurityContext(candidates));
		}
		catch (BadJOSEException ex) {
			throw new BadJwtException("Failed to validate the token", ex);
		}
		catch (JOSEException ex) {
			throw new JwtException("Failed to validate the token", ex);
		}
	}

	/**
	 * Decodes without any check but well-formedness; unsigned tokens are still refused.
	 */
	static NimbusReactiveJwtDecoder decodeOnlyDecoder(String serverAddress) {
		if (!isLoopback(serverAddress)) {
			throw new InsecureVerificationModeException(serverAddress);
		}
		// Spring would call a payload that is not a claims set a failure to verify; it is
		// a malformed token, which Spring names BadJwtException.
		NimbusReactiveJwtDecoder decoder = new NimbusReactiveJwtDecoder((jwt) -> Mono.fromCallable(jwt::getJWTClaimsSet)
			.onErrorMap(ParseException.class,
					(ex) -> new BadJwtException("The token's payload is not a JSON claims set: " + ex.getMessage(),
							ex)));
		decoder.setJwtValidator((jwt) -> OAuth2TokenValidatorResult.success());
		return decoder;
	}

	private static OAuth2TokenValidator<Jwt> audienceValidator(String audience) {
		return new JwtClaimValidator<List<String>>(JwtClaimNames.AUD, (aud) -> aud != null && aud.contains(audience));
	}

	private static WebClient jwksClient(TokenProperties properties) {
		HttpClient http = HttpClient.create()
			.option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) properties.jwksTimeout().toMillis())
			.responseTimeout(properties.jwksTimeout());
		return WebClient.builder().clientConnector(new ReactorClientHttpConnector(http)).build();
	}

	private static boolean isLoopback(String address) {
		try {
			return InetAddress.getByName(address).isLoopbackAddress();
		}
		catch (UnknownHostException ex) {
			return false;
		}
	}

}
