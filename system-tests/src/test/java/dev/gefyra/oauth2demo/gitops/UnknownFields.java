package dev.gefyra.oauth2demo.gitops;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;

/**
 * Finds fields fabric8's typed models did not recognise: they land in a model's
 * {@code additionalProperties}, where a misspelt key ({@code readinesProbe}) would
 * otherwise pass unnoticed until the API server drops or refuses it.
 */
final class UnknownFields {

	private static final String MODEL_PACKAGE = "io.fabric8.kubernetes.api.model";

	private UnknownFields() {
	}

	/**
	 * @param object a typed model
	 * @return one line per unknown field, with its path
	 */
	static List<String> in(Object object) {
		List<String> unknown = new ArrayList<>();
		scan(object, "", unknown);
		return unknown;
	}

	private static void scan(Object node, String path, List<String> unknown) {
		if (node instanceof Collection<?> collection) {
			int index = 0;
			for (Object element : collection) {
				scan(element, path + "[" + index++ + "]", unknown);
			}
			return;
		}
		if (node instanceof Map<?, ?> map) {
			map.forEach((key, value) -> scan(value, path + "." + key, unknown));
			return;
		}
		if (node == null || node instanceof GenericKubernetesResource
				|| !node.getClass().getPackageName().startsWith(MODEL_PACKAGE)) {
			return;
		}
		for (Method getter : node.getClass().getMethods()) {
			if (getter.getParameterCount() != 0 || Modifier.isStatic(getter.getModifiers())
					|| !getter.getName().startsWith("get") || getter.getDeclaringClass() == Object.class) {
				continue;
			}
			Object value = invoke(getter, node);
			if (getter.getName().equals("getAdditionalProperties")) {
				if (value instanceof Map<?, ?> extra && !extra.isEmpty()) {
					unknown.add(path + ": " + extra.keySet());
				}
				continue;
			}
			String name = getter.getName().substring(3);
			scan(value, path + "." + Character.toLowerCase(name.charAt(0)) + name.substring(1), unknown);
		}
	}

	private static Object invoke(Method getter, Object target) {
		try {
			return getter.invoke(target);
		}
		catch (IllegalAccessException | InvocationTargetException ex) {
			return null;
		}
	}

}
