export * from './scraping-config.js';
export * from './types.js';
export { FailureCode, FetchError } from './errors.js';
export {
  Crawler,
  type CrawlerOptions,
  type CrawlOptions,
  type DiscoveredUrl,
  type FetchOneResult,
  type FrontierTask,
  type SeedNote,
  type SharedCrawlState,
} from './crawler.js';
export { HostPacer, type HostSchedule } from './politeness.js';
export type { RobotsStore, StoredRobots } from './robots.js';
export { parseTdmRep, type StoredTdmRep, type TdmRepStore, tdmRepFor, xRobotsDirectives } from './terms.js';
export { BrowserPool, type BrowserPoolOptions, type BrowserRefusal, CHROMIUM_ARGS } from './browser-pool.js';
export { type LookupFunction, refusedAddressClass, BlockedAddressError } from './address-guard.js';
export { normalizeUrl, tryNormalizeHttpUrl } from './urls.js';
export * from './storage.js';
export { HttpClient, type HttpRequest, type HttpResponse } from './http-client.js';
export type { ConditionalRequest } from './frontier.js';
