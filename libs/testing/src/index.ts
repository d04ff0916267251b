export * from './processes.js';
export * from './redis-server.js';
export * from './databases.js';
export * from './wait.js';
export * from './fake-openai/index.js';
export * from './tiny-toxicity-model/index.js';
export * from './fixture-site/fixture-site.js';
export * from './sse-client.js';
export * from './canary.js';
export * from './job-config.js';
export * from './stack.js';
export * from './ci.js';
export * from './pipeline-stack.js';
export * from './grounded-cases.js';
export {
  FakeHubServer,
  type FakeHubOptions,
  type HubCall,
  type HubCommit,
  type HubRepo,
  type HubRequest,
} from './fake-hub/fake-hub-server.js';
