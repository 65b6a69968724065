import { ConfigValidationError, loadConfig } from './config.loader';

describe('loadConfig', () => {
  it('applies the documented defaults', () => {
    const config = loadConfig({});

    expect(config.host).toBe('0.0.0.0');
    expect(config.port).toBe(8000);
    expect(config.http_adapter).toBe('fastify');
    expect(config.database_url).toMatch(/^sqlite:.*data\/artenic\.db$/);
    expect(config.budget.enforcement_mode).toBe('block');
  });

  it('reads names case-insensitively, nested sections and JSON lists', () => {
    const config = loadConfig({
      artenic_port: '1234',
      ARTENIC_CORS_ORIGINS: '["https://a.example","https://b.example"]',
      ARTENIC_HEALTH__CHECK_INTERVAL_SECONDS: '5',
      ARTENIC_DEBUG: 'yes',
    });

    expect(config.port).toBe(1234);
    expect(config.cors_origins).toEqual(['https://a.example', 'https://b.example']);
    expect(config.health.check_interval_seconds).toBe(5);
    expect(config.debug).toBe(true);
  });

  it('merges a section given as JSON with nested variables, nested ones winning', () => {
    const config = loadConfig({
      ARTENIC_HEALTH: '{"enabled": false, "drift_threshold": 0.5}',
      ARTENIC_HEALTH__DRIFT_THRESHOLD: '0.25',
    });

    expect(config.health.enabled).toBe(false);
    expect(config.health.drift_threshold).toBe(0.25);
  });

  it('refuses a bad value naming the variable', () => {
    const load = () =>
      loadConfig({
        ARTENIC_PORT: 'eighty',
        ARTENIC_BUDGET__ENFORCEMENT_MODE: 'maybe',
        ARTENIC_CORS_ORIGINS: 'a,b',
      });

    expect(load).toThrow(ConfigValidationError);
    try {
      load();
    } catch (error) {
      const message = (error as Error).message;
      expect(message).toContain('ARTENIC_PORT');
      expect(message).toContain('ARTENIC_BUDGET__ENFORCEMENT_MODE');
      expect(message).toContain('ARTENIC_CORS_ORIGINS');
    }
  });
});
