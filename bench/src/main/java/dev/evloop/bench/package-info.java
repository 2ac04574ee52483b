/** JMH benchmarks of the evloop layers; run them with {@code ./scripts/bench}. */
package dev.evloop.bench;
