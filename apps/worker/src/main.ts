import { relaunchWithMemoryBounds } from '@datafactory/config';

// First the process's memory bounds (this replaces the process once, before the app's modules load).
relaunchWithMemoryBounds();
await import('./worker.js');
