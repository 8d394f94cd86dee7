package dev.gefyra.oauth2demo.kubernetes;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import reactor.core.Disposable;
import reactor.core.Disposables;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import reactor.util.retry.Retry;

import org.springframework.beans.factory.DisposableBean;
import org.springframework.beans.factory.ListableBeanFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.config.BeanFactoryPostProcessor;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.cloud.context.refresh.ContextRefresher;
import org.springframework.cloud.kubernetes.commons.config.reload.ConfigurationChangeDetector;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.event.EventListener;

/**
 * Starts Spring Cloud Kubernetes' ConfigMap watch after start-up, and keeps trying until
 * the API server answers.
 * <p>
 * The watch's informer lists ConfigMaps when its bean is created and throws when the API
 * server cannot be reached, which stops the service from starting even with
 * {@code spring.cloud.kubernetes.config.fail-fast=false}. So its bean is made lazy and
 * created here in the background, with backoff. When start-up ran without the ConfigMap
 * because the API server was unreachable, the settings are refreshed once the watch is
 * up: Spring Cloud Kubernetes' own reload does not add a ConfigMap source that start-up
 * missed.
 */
@Configuration(proxyBeanMethods = false)
class ConfigMapWatchStarter implements DisposableBean {

	private static final Log logger = LogFactory.getLog(ConfigMapWatchStarter.class);

	static final Duration FIRST_BACKOFF = Duration.ofSeconds(1);

	static final Duration MAX_BACKOFF = Duration.ofSeconds(30);

	private final ListableBeanFactory beanFactory;

	private final ObjectProvider<ContextRefresher> refresher;

	private final AtomicInteger failedAttempts = new AtomicInteger();

	private final Disposable.Swap starting = Disposables.swap();

	ConfigMapWatchStarter(ListableBeanFactory beanFactory, ObjectProvider<ContextRefresher> refresher) {
		this.beanFactory = beanFactory;
		this.refresher = refresher;
	}

	/** Makes the change detectors lazy, so creating them cannot fail the start. */
	@Bean
	static BeanFactoryPostProcessor lazyConfigurationChangeDetectors() {
		return (beanFactory) -> {
			for (String name : beanFactory.getBeanNamesForType(ConfigurationChangeDetector.class, true, false)) {
				beanFactory.getBeanDefinition(name).setLazyInit(true);
			}
		};
	}

	@EventListener(ApplicationReadyEvent.class)
	void startWatch() {
		String[] detectors = this.beanFactory.getBeanNamesForType(ConfigurationChangeDetector.class, true, false);
		if (detectors.length == 0) {
			return;
		}
		this.starting.update(Mono.fromRunnable(() -> {
			for (String detector : detectors) {
				this.beanFactory.getBean(detector);
			}
		})
			.doOnError(this::attemptFailed)
			.retryWhen(Retry.backoff(Long.MAX_VALUE, FIRST_BACKOFF).maxBackoff(MAX_BACKOFF))
			.subscribeOn(Schedulers.boundedElastic())
			.subscribe(null, (ex) -> logger.error("The ConfigMap watch was not started", ex), this::watchStarted));
	}

	private void attemptFailed(Throwable ex) {
		if (this.failedAttempts.incrementAndGet() == 1) {
			logger.warn("The ConfigMap watch cannot start, the Kubernetes API server did not answer (" + rootCause(ex)
					+ "); serving the settings at hand and retrying, at most " + MAX_BACKOFF.toSeconds() + " s apart");
		}
	}

	private void watchStarted() {
		int failures = this.failedAttempts.get();
		if (failures == 0) {
			return;
		}
		logger.info("The ConfigMap watch started after " + failures + " failed attempts; reading the settings again");
		this.refresher.ifAvailable(ContextRefresher::refresh);
	}

	private static String rootCause(Throwable ex) {
		Throwable root = ex;
		while (root.getCause() != null && root.getCause() != root) {
			root = root.getCause();
		}
		return root.getClass().getSimpleName() + ": " + root.getMessage();
	}

	@Override
	public void destroy() {
		this.starting.dispose();
	}

}
