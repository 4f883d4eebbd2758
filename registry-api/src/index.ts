/**
 * What other workspaces' tests start the registry with (the CLI's acceptance tests run the real
 * registry in-process on port 0). Nothing imports this at run time (DESIGN §1).
 */
export { loadConfig, type ConfigInput, type RegistryConfig } from './config.js';
export { startServer, type RunningRegistry, type StartServerOptions } from './server.js';
export { publishExamples, DEMO_USER, type DemoResult } from './demo.js';
