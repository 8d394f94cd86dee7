package dev.gefyra.oauth2demo.support;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.turbo.TurboFilter;
import ch.qos.logback.core.spi.FilterReply;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.slf4j.Marker;
import org.slf4j.helpers.MessageFormatter;

/**
 * The warnings and errors a test provokes on purpose (a start-up that must fail, a
 * mapping that must be refused, a server that must be unreachable): kept off the console
 * and handed to the test instead, so that a green build prints no ERROR, while one nobody
 * expected still shows.
 * <p>
 * Before it provokes them, a test declares which logger will warn or fail and with what
 * words; from then until the test ends, every WARN and ERROR of that logger is captured
 * instead of printed ({@link ConsoleFilter}, named in {@code logback-test.xml}). When the
 * test ends, a captured event that no declaration matches, or a declaration that no event
 * matched, fails it. Loggers no test declared print as usual.
 */
public final class ExpectedLogs implements AfterEachCallback {

	/** Static: logback creates the filter, and creates it again when Boot resets it. */
	private static final Map<String, Capture> captures = new ConcurrentHashMap<>();

	/**
	 * Declares that the logger will warn or fail, with a message holding the words given.
	 * @param logger the class the logger is named after
	 * @param words words the message holds
	 */
	public void expect(Class<?> logger, String words) {
		expect(logger.getName(), words);
	}

	/**
	 * Declares that the logger will warn or fail, with a message holding the words given.
	 * @param logger the logger's name
	 * @param words words the message holds
	 */
	public void expect(String logger, String words) {
		captures.computeIfAbsent(logger, (name) -> new Capture()).expected().add(words);
	}

	/**
	 * The messages a declared logger logged at WARN or ERROR so far in this test.
	 * @param logger the class the logger is named after
	 * @return the messages, in the order logged
	 */
	public List<String> messages(Class<?> logger) {
		return messages(logger.getName());
	}

	/**
	 * The messages a declared logger logged at WARN or ERROR so far in this test.
	 * @param logger the logger's name
	 * @return the messages, in the order logged
	 */
	public List<String> messages(String logger) {
		Capture capture = captures.get(logger);
		return (capture != null) ? capture.logged().stream().map(Logged::message).toList() : List.of();
	}

	@Override
	public void afterEach(ExtensionContext context) {
		Map<String, Capture> ended = Map.copyOf(captures);
		captures.clear();
		List<String> problems = new ArrayList<>();
		List<Throwable> unexpectedFailures = new ArrayList<>();
		ended.forEach((logger, capture) -> {
			for (Logged logged : capture.logged()) {
				if (capture.expected().stream().noneMatch(logged.message()::contains)) {
					problems.add("unexpected " + logged.level() + " from " + logger + ": " + logged.message());
					if (logged.failure() != null) {
						unexpectedFailures.add(logged.failure());
					}
				}
			}
			for (String words : capture.expected()) {
				if (capture.logged().stream().noneMatch((logged) -> logged.message().contains(words))) {
					problems.add("expected a WARN or ERROR from " + logger + " saying '" + words + "', none came");
				}
			}
		});
		if (!problems.isEmpty()) {
			AssertionError error = new AssertionError(String.join("\n", problems));
			unexpectedFailures.forEach(error::addSuppressed);
			throw error;
		}
	}

	private record Capture(List<String> expected, List<Logged> logged) {

		Capture() {
			this(new CopyOnWriteArrayList<>(), new CopyOnWriteArrayList<>());
		}

	}

	private record Logged(Level level, String message, @Nullable Throwable failure) {

	}

	/**
	 * Keeps the WARN and ERROR events of declared loggers from every appender, and hands
	 * them to the test.
	 */
	public static final class ConsoleFilter extends TurboFilter {

		@Override
		public FilterReply decide(@Nullable Marker marker, Logger logger, Level level, @Nullable String format,
				Object @Nullable [] params, @Nullable Throwable failure) {
			// A null format is a level check (isWarnEnabled()), not an event.
			if (format == null || !level.isGreaterOrEqual(Level.WARN) || captures.isEmpty()) {
				return FilterReply.NEUTRAL;
			}
			Capture capture = captures.get(logger.getName());
			if (capture == null) {
				return FilterReply.NEUTRAL;
			}
			var message = MessageFormatter.arrayFormat(format, params, failure);
			capture.logged().add(new Logged(level, message.getMessage(), message.getThrowable()));
			return FilterReply.DENY;
		}

	}

}
