'use strict';
/*
 * An Artenic plugin is a package whose export is { name, version?, module?, trainingProviders?,
 * runtimes?, subscribers? } (src/plugins/plugin.contract.ts). This one contributes a training provider
 * named "echo" implementing the TrainingProvider port (src/providers/training-provider.port.ts).
 *
 * Like every adapter it keeps no state in memory: what it needs to answer status() lives in the job
 * handle's `state`, which the platform persists, so a restarted platform (or another replica) carries on.
 *
 * Dispatch with: POST /api/v1/training/dispatch
 *   {"service":"demo","model":"m","provider":"echo","config":{"hyperparameters":{"epochs":4,"learning_rate":0.01},"duration_ms":300}}
 */
const { createHash } = require('node:crypto');
const { mkdirSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');
const { version } = require('./package.json');

const INSTANCE = 'echo.small';

/** A numeric option from the dispatch `config` (or its `hyperparameters`), clamped to [min, max]. */
function numberOption(options, key, fallback, min, max) {
  const hp =
    options.hyperparameters && typeof options.hyperparameters === 'object' ? options.hyperparameters : {};
  const value = Number(hp[key] ?? options[key] ?? fallback);
  return Number.isFinite(value) ? Math.min(max, Math.max(min, value)) : fallback;
}

/** The metrics a run "reaches" after `done` of `epochs` epochs: deterministic, so tests can check them. */
function metricsAt(state, done) {
  const lr = state.learning_rate;
  return {
    epoch: done,
    loss: Number((1 / (1 + done * lr * 100)).toFixed(6)),
    accuracy: Number((1 - 0.5 / (1 + done)).toFixed(6)),
  };
}

class EchoProvider {
  constructor(logger) {
    this.name = 'echo';
    this.logger = logger;
  }

  capabilities() {
    return {
      spot: false,
      gpu: false,
      regions: ['local'],
      instance_types: [INSTANCE],
      notes: 'example plugin; on-demand only',
    };
  }

  async prices() {
    return [
      {
        provider: 'echo',
        instance_type: INSTANCE,
        region: 'local',
        currency: 'EUR',
        on_demand_per_hour_micros: 10000,
        spot_per_hour_micros: null,
        gpu_type: null,
        gpu_count: 0,
        vcpus: 1,
        memory_gb: 1,
        fetched_at: new Date(),
        stale: false,
        source: 'echo-provider static price',
      },
    ];
  }

  async provision(spec) {
    const options = spec.options || {};
    return {
      job_id: spec.job_id,
      attempt: spec.attempt,
      // Derived from the idempotency token: provisioning the same attempt twice yields the same job.
      provider_job_id: `echo-${createHash('sha256').update(spec.idempotency_token).digest('hex').slice(0, 16)}`,
      region: 'local',
      instance_type: spec.instance_type || INSTANCE,
      spot: false,
      state: {
        epochs: Math.round(numberOption(options, 'epochs', 3, 1, 1000)),
        learning_rate: numberOption(options, 'learning_rate', 0.01, 1e-6, 10),
        duration_ms: Math.round(numberOption(options, 'duration_ms', 200, 0, 3_600_000)),
        started_at: null,
      },
    };
  }

  async start(handle) {
    if (handle.state.started_at) return handle;
    this.logger.log(`echo job ${handle.provider_job_id} started (${handle.state.epochs} epochs)`);
    return { ...handle, state: { ...handle.state, started_at: Date.now() } };
  }

  async status(handle) {
    const state = handle.state;
    if (!state.started_at) return { state: 'provisioning' };
    const progress =
      state.duration_ms === 0 ? 1 : Math.min(1, (Date.now() - state.started_at) / state.duration_ms);
    const done = Math.floor(progress * state.epochs);
    if (progress < 1) return { state: 'running', progress, metrics: metricsAt(state, done) };
    return {
      state: 'succeeded',
      exit_code: 0,
      progress: 1,
      metrics: metricsAt(state, state.epochs),
      message: 'echo training finished',
    };
  }

  async logs(handle, tailLines) {
    const state = handle.state;
    const progress = state.started_at
      ? Math.min(1, (Date.now() - state.started_at) / Math.max(1, state.duration_ms))
      : 0;
    const lines = [`echo ${handle.provider_job_id}: ${state.epochs} epochs, lr=${state.learning_rate}`];
    for (let e = 1; e <= Math.floor(progress * state.epochs); e += 1) {
      const m = metricsAt(state, e);
      lines.push(`epoch ${e}/${state.epochs} loss=${m.loss} accuracy=${m.accuracy}`);
    }
    return lines.slice(-Math.max(1, tailLines)).join('\n');
  }

  async cancel() {
    // Nothing runs anywhere: the platform records the cancellation itself.
  }

  async collectArtifacts(handle, destinationDir) {
    mkdirSync(destinationDir, { recursive: true });
    const body = JSON.stringify(
      { provider: 'echo', job_id: handle.job_id, ...metricsAt(handle.state, handle.state.epochs) },
      null,
      2,
    );
    const localPath = join(destinationDir, 'echo-model.json');
    writeFileSync(localPath, body);
    return [
      {
        path: 'echo-model.json',
        local_path: localPath,
        size_bytes: Buffer.byteLength(body),
        sha256: createHash('sha256').update(body).digest('hex'),
      },
    ];
  }

  async teardown() {
    // No resource was created.
  }
}

module.exports = {
  name: 'echo-provider',
  version,
  trainingProviders: (context) => [new EchoProvider(context.logger)],
};
