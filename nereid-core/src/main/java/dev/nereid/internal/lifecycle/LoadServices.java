package dev.nereid.internal.lifecycle;

import dev.nereid.internal.cache.ResponseCache;
import dev.nereid.internal.scheduler.RateLimiter;

/**
 * What the server shares with every model it loads.
 *
 * @param defaultQueueCapacity the queue bound for models whose config sets none
 * @param rateLimiter the rate limiter, or null when rate limiting is off
 * @param responseCache the response cache, or null when the server has none
 */
record LoadServices(int defaultQueueCapacity, RateLimiter rateLimiter, ResponseCache responseCache) {}
