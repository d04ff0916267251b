export * from './scraping-config.js';
export * from './types.js';
export { FailureCode, FetchError } from './errors.js';
export { Crawler, type CrawlerOptions, type CrawlOptions } from './crawler.js';
export { BrowserPool, type BrowserPoolOptions, type BrowserRefusal, CHROMIUM_ARGS } from './browser-pool.js';
export { type LookupFunction, refusedAddressClass, BlockedAddressError } from './address-guard.js';
export { normalizeUrl } from './urls.js';
export * from './storage.js';
