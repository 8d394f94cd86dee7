package dev.gefyra.oauth2demo.support;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.extension.RegisterExtension;

import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.env.MapPropertySource;
import org.springframework.test.context.ContextConfigurationAttributes;
import org.springframework.test.context.ContextCustomizer;
import org.springframework.test.context.ContextCustomizerFactory;
import org.springframework.test.context.MergedContextConfiguration;
import org.springframework.util.ReflectionUtils;

/**
 * Points the service's {@code token.*} settings at the {@link TestIssuer} a test class
 * registers as its extension:
 *
 * <pre class="code">
 * &#64;RegisterExtension
 * static final TestIssuer issuer = TestIssuer.start();
 * </pre>
 *
 * in place of the {@code @DynamicPropertySource} method each such class wrote. The
 * properties win over the test's others, as dynamic ones do, and each issuer gets its own
 * application context, as each such method did. Registered in
 * {@code META-INF/spring.factories}.
 */
public final class TestIssuerContextCustomizerFactory implements ContextCustomizerFactory {

	@Override
	public @Nullable ContextCustomizer createContextCustomizer(Class<?> testClass,
			List<ContextConfigurationAttributes> configAttributes) {
		List<Field> fields = new ArrayList<>();
		ReflectionUtils.doWithFields(testClass, fields::add, (field) -> field.getType() == TestIssuer.class
				&& Modifier.isStatic(field.getModifiers()) && field.isAnnotationPresent(RegisterExtension.class));
		if (fields.isEmpty()) {
			return null;
		}
		if (fields.size() > 1) {
			throw new IllegalStateException(testClass.getName() + " registers more than one TestIssuer: " + fields);
		}
		Field field = fields.get(0);
		ReflectionUtils.makeAccessible(field);
		return new IssuerProperties((TestIssuer) ReflectionUtils.getField(field, null));
	}

	/**
	 * Equal only for the same issuer: a context is shared by the classes of one issuer.
	 */
	private record IssuerProperties(TestIssuer issuer) implements ContextCustomizer {

		@Override
		public void customizeContext(ConfigurableApplicationContext context, MergedContextConfiguration mergedConfig) {
			context.getEnvironment()
				.getPropertySources()
				.addFirst(new MapPropertySource("testIssuer", Map.of("token.jwk-set-uri",
						this.issuer.jwkSetUri().toString(), "token.issuer", TestIssuer.ISSUER)));
		}

	}

}
