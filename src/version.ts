/** The platform's version, as reported by /health/detailed and the OpenAPI document. */
export const PLATFORM_VERSION = '0.2.0';
