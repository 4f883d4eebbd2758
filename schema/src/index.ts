export * from './errors.js';
export * from './name.js';
export * from './version.js';
export * from './manifest.js';
export * from './skill-md.js';
export * from './openai-tool.js';
export * from './package.js';
export * from './lines/index.js';
