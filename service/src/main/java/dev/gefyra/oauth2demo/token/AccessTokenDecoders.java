package dev.gefyra.oauth2demo.token;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Clock;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Collectors;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.source.JWKSecurityContextJWKSet;
import com.nimbusds.jose.proc.JWSVerificationKeySelector;
import io.netty.channel.ChannelOption;
import reactor.core.publisher.Mono;
import reactor.netty.http.client.HttpClient;

import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.client.reactive.ReactorClientHttpConnector;
import org.springframework.security.oauth2.core.DelegatingOAuth2TokenValidator;
import org.springframework.security.oauth2.core.OAuth2TokenValidator;
import org.springframework.security.oauth2.core.OAuth2TokenValidatorResult;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.security.oauth2.jwt.JwtClaimNames;
import org.springframework.security.oauth2.jwt.JwtClaimValidator;
import org.springframework.security.oauth2.jwt.JwtIssuerValidator;
import org.springframework.security.oauth2.jwt.JwtTimestampValidator;
import org.springframework.security.oauth2.jwt.NimbusReactiveJwtDecoder;
import org.springframework.security.oauth2.jwt.ReactiveJwtDecoder;
import org.springframework.web.reactive.function.client.WebClient;

/**
 * Builds the access token decoder for the configured {@link TokenVerification}: a
 * verifying Nimbus decoder backed by the issuer's JWKS, or a decode-only one for loopback
 * use.
 */
@Configuration(proxyBeanMethods = false)
class AccessTokenDecoders {

	@Bean
	ReactiveJwtDecoder accessTokenDecoder(TokenProperties properties,
			@Value("${server.address:0.0.0.0}") String serverAddress) {
		return switch (properties.verification()) {
			case JWKS -> verifyingDecoder(properties);
			case NONE -> decodeOnlyDecoder(serverAddress);
		};
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
				algorithms, properties.jwksTtl(), properties.jwksRefetchInterval(), Clock.systemUTC());
		NimbusReactiveJwtDecoder decoder = NimbusReactiveJwtDecoder.withJwkSource(keys)
			.jwtProcessorCustomizer((processor) -> processor
				.setJWSKeySelector(new JWSVerificationKeySelector<>(algorithms, new JWKSecurityContextJWKSet())))
			.build();
		JwtTimestampValidator timestamps = new JwtTimestampValidator(properties.clockSkew());
		timestamps.setAllowEmptyExpiryClaim(false);
		decoder.setJwtValidator(new DelegatingOAuth2TokenValidator<>(List.of(timestamps,
				new JwtIssuerValidator(properties.issuer()), audienceValidator(properties.audience()))));
		return decoder;
	}

	/**
	 * Decodes without any check but well-formedness, as the seed did; unsigned tokens are
	 * still refused.
	 */
	static NimbusReactiveJwtDecoder decodeOnlyDecoder(String serverAddress) {
		if (!isLoopback(serverAddress)) {
			throw new InsecureVerificationModeException(serverAddress);
		}
		NimbusReactiveJwtDecoder decoder = new NimbusReactiveJwtDecoder(
				(jwt) -> Mono.fromCallable(jwt::getJWTClaimsSet));
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
