import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { DomainEvent } from '@app/events/event-topics';
import { ProviderRegistry } from '@app/providers/provider-registry';
import { eventually } from './support/eventually';
import { startApp, type TestApp } from './support/test-app';

const ECHO = resolve(__dirname, '..', 'examples', 'plugins', 'echo-provider');

/** Plugins written for the test: one with a Nest module and a subscriber, two that cannot load. */
function writeFixtures(dir: string): { hello: string; broken: string; shapeless: string } {
  const nest = JSON.stringify(require.resolve('@nestjs/common'));
  const hello = join(dir, 'hello-plugin.js');
  writeFileSync(
    hello,
    `const { Controller, Get, Module } = require(${nest});
     class HelloController { hello() { return { hello: 'from a plugin' }; } }
     Get()(HelloController.prototype, 'hello', Object.getOwnPropertyDescriptor(HelloController.prototype, 'hello'));
     Controller('api/v1/plugin-hello')(HelloController);
     class HelloModule {}
     Module({ controllers: [HelloController] })(HelloModule);
     const seen = [];
     module.exports = { default: { name: 'hello', version: '0.3.0', module: HelloModule,
       subscribers: [{ topics: ['config'], handle: (event) => { seen.push(event); } }] }, seen };`,
  );
  const broken = join(dir, 'broken-plugin.js');
  writeFileSync(broken, `throw new Error('missing native dependency');`);
  const shapeless = join(dir, 'shapeless-plugin.js');
  writeFileSync(shapeless, `module.exports = { version: '1.0.0' };`);
  return { hello, broken, shapeless };
}

describe('plugins', () => {
  let dir: string;
  let t: TestApp;
  let fixtures: ReturnType<typeof writeFixtures>;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'artenic-plugins-'));
    fixtures = writeFixtures(dir);
    t = await startApp({
      env: {
        ARTENIC_PLUGINS: JSON.stringify([
          ECHO,
          fixtures.hello,
          fixtures.broken,
          fixtures.shapeless,
          'artenic-plugin-not-installed',
        ]),
        ARTENIC_TRAINING__POLL_INTERVAL_MS: '100',
        ARTENIC_TRAINING__STATUS_INTERVAL_SECONDS: '0',
      },
    });
  });
  afterAll(async () => {
    await t.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('lists every plugin in /health/detailed with its version, contributions, and the error of those that failed', async () => {
    const res = await t.http().get('/health/detailed');

    expect(res.status).toBe(200);
    const plugins = res.body.components.plugins;
    expect(plugins.status).toBe('degraded');
    expect(plugins.plugins).toEqual([
      expect.objectContaining({
        name: 'echo-provider',
        version: '1.0.0',
        status: 'loaded',
        error: null,
        training_providers: ['echo'],
      }),
      expect.objectContaining({
        name: 'hello',
        version: '0.3.0',
        status: 'loaded',
        module: true,
        subscribers: 1,
      }),
      expect.objectContaining({
        name: null,
        source: fixtures.broken,
        status: 'failed',
        error: 'missing native dependency',
      }),
      expect.objectContaining({
        source: fixtures.shapeless,
        status: 'failed',
        error: expect.stringContaining('name'),
      }),
      expect.objectContaining({
        source: 'artenic-plugin-not-installed',
        status: 'failed',
        error: expect.stringMatching(/Cannot (find|resolve) module/),
      }),
    ]);
  });

  it('registers the training provider a plugin contributes', () => {
    const registry = t.app.get(ProviderRegistry);

    const echo = registry.get('echo');

    expect(echo.capabilities()).toMatchObject({ spot: false, instance_types: ['echo.small'] });
  });

  it("mounts a plugin's Nest module and delivers events to its subscribers", async () => {
    // The same module instance the platform loaded, to read what its subscriber saw.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const hello = (require(fixtures.hello) as { seen: DomainEvent[] }).seen;

    const res = await t.http().get('/api/v1/plugin-hello');
    await t.http().put('/api/v1/settings/global/ab_test').send({ max_concurrent_tests: '9' });

    expect(res.status).toBe(200);
    expect(res.body).toEqual({ hello: 'from a plugin' });
    await eventually(() => expect(hello.map((e) => e.type)).toContain('settings.updated'));
  });

  it('dispatches a job to the plugin provider and follows it to completed with its metrics', async () => {
    const dispatch = await t
      .http()
      .post('/api/v1/training/dispatch')
      .send({
        service: 'demo',
        model: 'echo-net',
        provider: 'echo',
        config: { hyperparameters: { epochs: 4, learning_rate: 0.01 }, duration_ms: 100 },
      });

    expect(dispatch.status).toBe(200);
    const jobId = dispatch.body.job_id as string;
    const job = await eventually(
      async () => {
        const res = await t.http().get(`/api/v1/training/${jobId}`);
        expect(res.body.status).toBe('completed');
        return res.body;
      },
      { timeoutMs: 10_000, intervalMs: 100 },
    );
    expect(job).toMatchObject({
      provider: 'echo',
      metrics: expect.objectContaining({ epoch: 4, loss: 0.2, accuracy: 0.9 }),
    });
  });
});
