export * from './processes.js';
export * from './redis-server.js';
export * from './databases.js';
export * from './wait.js';
export * from './fake-openai/index.js';
export * from './tiny-toxicity-model/index.js';
export * from './fixture-site/fixture-site.js';
export * from './sse-client.js';
