export * from './tiny-toxicity-model.js';
