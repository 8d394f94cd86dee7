package dev.gefyra.oauth2demo.token;

import java.util.ArrayDeque;
import java.util.Collection;
import java.util.Deque;
import java.util.Map;

import org.jspecify.annotations.Nullable;

/**
 * Estimates the heap a token's claims take, so that the verified-token cache is bounded
 * by memory and not only by its number of entries: a token of a few hundred bytes and one
 * of several kilobytes do not cost the same to remember. Approximate (a 64-bit JVM with
 * compressed references, strings counted as two bytes a character), erring on the large
 * side.
 */
final class ClaimsWeight {

	private static final long OBJECT = 16;

	private static final long STRING = 40;

	private static final long MAP = 64;

	private static final long MAP_ENTRY = 48;

	private static final long COLLECTION = 40;

	private static final long REFERENCE = 8;

	private static final long BOXED = 24;

	private ClaimsWeight() {
	}

	/**
	 * The approximate bytes of the claims, with everything they hold.
	 * @param claims the claims as verified: maps, lists, strings, numbers, booleans
	 * @return the approximate size in bytes
	 */
	static long bytes(Map<String, ?> claims) {
		long bytes = 0;
		// A walk with a queue, not recursion: the nesting is the token author's choice.
		Deque<Object> pending = new ArrayDeque<>();
		pending.push(claims);
		while (!pending.isEmpty()) {
			Object value = pending.pop();
			if (value instanceof Map<?, ?> map) {
				bytes += MAP + MAP_ENTRY * map.size();
				map.forEach((name, member) -> {
					pending.push(name);
					pushIfPresent(pending, member);
				});
			}
			else if (value instanceof Collection<?> collection) {
				bytes += COLLECTION + REFERENCE * collection.size();
				collection.forEach((element) -> pushIfPresent(pending, element));
			}
			else if (value instanceof CharSequence text) {
				bytes += STRING + 2L * text.length();
			}
			else if (value instanceof Number || value instanceof Boolean) {
				bytes += BOXED;
			}
			else {
				bytes += OBJECT + STRING + 2L * String.valueOf(value).length();
			}
		}
		return bytes;
	}

	private static void pushIfPresent(Deque<Object> pending, @Nullable Object value) {
		if (value != null) {
			pending.push(value);
		}
	}

}
