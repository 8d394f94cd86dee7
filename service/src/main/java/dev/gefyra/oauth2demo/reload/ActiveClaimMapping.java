package dev.gefyra.oauth2demo.reload;

import java.time.Clock;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicReference;

import dev.gefyra.oauth2demo.claims.ClaimMapping;
import dev.gefyra.oauth2demo.claims.ClaimsProperties;
import dev.gefyra.oauth2demo.claims.InvalidClaimMappingException;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.cloud.context.environment.EnvironmentChangeEvent;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.context.event.EventListener;
import org.springframework.core.env.Environment;
import org.springframework.stereotype.Component;

/**
 * Holds the claim mapping requests are served with, and replaces it after each
 * environment refresh.
 * <p>
 * Spring Cloud cannot rebind records and resets beans before it rebinds them, so this
 * binds the refreshed environment itself, validates the result, and swaps one reference:
 * a request reads either the old snapshot or the new one, never a half-bound mapping. An
 * invalid change keeps the last good snapshot and is kept as {@link #lastRejection()}.
 * <p>
 * Without any {@code claims.mapping} at start-up the built-in mapping is served. Once a
 * configured mapping is served, its disappearance (the ConfigMap deleted, its key
 * removed) is refused like an invalid change: falling back to the built-in mapping would
 * change every answer because of what is usually a mistake or a moment of a re-creation.
 * <p>
 * Each accepted change is published as a {@link ClaimMappingServed}, and so is the end of
 * a refusal by settings that map as the served ones (the last good settings put back);
 * each new refusal as a {@link ClaimMappingRefused}, for those who report them outside
 * the Pod.
 */
@Component
public class ActiveClaimMapping {

	private static final Log logger = LogFactory.getLog(ActiveClaimMapping.class);

	private final Environment environment;

	private final Clock clock;

	private final AtomicReference<ClaimMappingSnapshot> current = new AtomicReference<>();

	private final AtomicReference<@Nullable RejectedClaimMapping> lastRejection = new AtomicReference<>();

	/**
	 * The error of a rejection not yet followed by a valid mapping: the same error is
	 * logged once.
	 */
	private @Nullable String outstandingError;

	/** When the refusal not yet followed by a valid mapping happened. */
	private volatile @Nullable Instant outstandingSince;

	/** No configured mapping was accepted yet: the built-in one is served. */
	private boolean servingBuiltIn;

	private final Counter reloads;

	private final Counter rejects;

	private final ApplicationEventPublisher events;

	@Autowired
	public ActiveClaimMapping(Environment environment, MeterRegistry meterRegistry, ApplicationEventPublisher events) {
		this(environment, meterRegistry, events, Clock.systemUTC());
	}

	ActiveClaimMapping(Environment environment, MeterRegistry meterRegistry, ApplicationEventPublisher events,
			Clock clock) {
		this.environment = environment;
		this.events = events;
		this.clock = clock;
		this.reloads = Counter.builder("claims.mapping.reloads")
			.description("Claim mapping changes accepted after a refresh")
			.register(meterRegistry);
		this.rejects = Counter.builder("claims.mapping.rejects")
			.description("Claim mappings refused as invalid")
			.register(meterRegistry);
		Gauge.builder("claims.mapping.revision", this, (mapping) -> mapping.snapshot().revision())
			.description("Revision of the claim mapping being served")
			.register(meterRegistry);
		Gauge.builder("claims.mapping.refused.since", this, ActiveClaimMapping::refusedSinceEpochSeconds)
			.description("When the settings were last refused with no valid mapping since (epoch seconds); 0 while "
					+ "the served mapping is the configured one")
			.baseUnit("seconds")
			.register(meterRegistry);
		boolean configured = ClaimMappingLoader.isMappingSet(environment);
		ClaimMapping initial = configured ? tryLoad() : null;
		this.servingBuiltIn = (initial == null);
		if (!configured) {
			logger.info("No claims.mapping configured: serving the built-in mapping " + ClaimMapping.DEFAULT.fields());
			initial = ClaimMapping.DEFAULT;
		}
		else if (initial == null) {
			logger.warn("Serving the built-in claim mapping " + ClaimMapping.DEFAULT.fields()
					+ " until a valid one is configured");
			initial = ClaimMapping.DEFAULT;
		}
		this.current.set(new ClaimMappingSnapshot(initial, 1, clock.instant()));
		logger.info("Claim mapping revision 1: " + initial.fields());
	}

	/**
	 * The snapshot to serve a request with. Read it once per request.
	 * @return the current snapshot
	 */
	public ClaimMappingSnapshot snapshot() {
		return this.current.get();
	}

	/**
	 * The last refused mapping, kept after a later valid change so its error can still be
	 * read.
	 * @return the last rejection, or {@code null} if there was none
	 */
	public @Nullable RejectedClaimMapping lastRejection() {
		return this.lastRejection.get();
	}

	/**
	 * The refusal still standing: the settings were refused and no valid mapping was read
	 * since, so the served mapping is not the configured one.
	 * @return the standing refusal, or {@code null} when the settings were taken
	 */
	public @Nullable RejectedClaimMapping standingRejection() {
		return (this.outstandingSince != null) ? this.lastRejection.get() : null;
	}

	private double refusedSinceEpochSeconds() {
		Instant since = this.outstandingSince;
		return (since != null) ? since.getEpochSecond() : 0;
	}

	/**
	 * Re-reads the mapping after Spring Cloud refreshed the environment (a ConfigMap
	 * change seen by the Kubernetes change detector, or {@code /actuator/refresh}).
	 * @param event the refresh's change event
	 */
	@EventListener(EnvironmentChangeEvent.class)
	public void onEnvironmentChange(EnvironmentChangeEvent event) {
		recheck();
	}

	/**
	 * Reads the mapping from the environment again, as after a refresh: for a change of
	 * the ConfigMap that Spring Cloud Kubernetes does not refresh for, because the
	 * environment already holds what it says (settings put back after a refusal it never
	 * saw).
	 */
	public synchronized void recheck() {
		if (!ClaimMappingLoader.isMappingSet(this.environment)) {
			if (!this.servingBuiltIn) {
				reject(null,
						"claims.mapping is no longer set (the ConfigMap was deleted, or its application.yaml "
								+ "key or the mapping in it removed); to serve the built-in mapping "
								+ ClaimMapping.DEFAULT.fields() + ", write it explicitly");
			}
			return;
		}
		boolean refused = (this.outstandingSince != null);
		ClaimMapping candidate = tryLoad();
		if (candidate == null) {
			return;
		}
		this.servingBuiltIn = false;
		ClaimMappingSnapshot previous = this.current.get();
		if (candidate.equals(previous.mapping())) {
			if (refused) {
				// The refused settings were replaced by the ones served: they are
				// taken again, and those who reported the refusal must hear of it.
				logger.info("Claim mapping revision " + previous.revision() + " is configured again: "
						+ candidate.fields());
				this.events.publishEvent(new ClaimMappingServed(previous));
			}
			return;
		}
		ClaimMappingSnapshot next = new ClaimMappingSnapshot(candidate, previous.revision() + 1, this.clock.instant());
		this.current.set(next);
		this.reloads.increment();
		logger.info("Claim mapping revision " + next.revision() + ": " + candidate.fields());
		this.events.publishEvent(new ClaimMappingServed(next));
	}

	/**
	 * Refuses settings that could not even be read, so none of them reached the
	 * environment: Spring Cloud Kubernetes keeps the environment as it was and does not
	 * refresh, so only the one who read them can say so.
	 * @param error why they could not be read
	 */
	public synchronized void refuseUnreadable(String error) {
		reject(null, error);
	}

	private synchronized @Nullable ClaimMapping tryLoad() {
		ClaimsProperties settings = null;
		try {
			settings = ClaimMappingLoader.bind(this.environment);
			ClaimMapping mapping = ClaimMapping.of(settings);
			this.outstandingError = null;
			this.outstandingSince = null;
			return mapping;
		}
		catch (InvalidClaimMappingException ex) {
			reject(settings, ex.getMessage());
			return null;
		}
		catch (RuntimeException ex) {
			// This runs inside Spring Cloud's refresh: a throw would abort it for every
			// bean.
			logger.error("Reading claims.mapping failed unexpectedly", ex);
			reject(settings, "cannot read claims.mapping: " + ex);
			return null;
		}
	}

	private void reject(@Nullable ClaimsProperties settings, String error) {
		RejectedClaimMapping rejection = new RejectedClaimMapping(settings, error, this.clock.instant());
		this.lastRejection.set(rejection);
		if (this.outstandingSince == null) {
			this.outstandingSince = rejection.rejectedAt();
		}
		if (error.equals(this.outstandingError)) {
			return;
		}
		this.outstandingError = error;
		this.rejects.increment();
		ClaimMappingSnapshot served = this.current.get();
		logger.error("Claim mapping rejected, still serving revision "
				+ ((served != null) ? served.revision() : "built-in") + ": " + error);
		if (served != null) {
			// At start-up nothing is served yet: the ready Pod reports its state then.
			this.events.publishEvent(new ClaimMappingRefused(rejection, served));
		}
	}

}
