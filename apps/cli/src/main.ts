import { relaunchWithMemoryBounds } from '@datafactory/config';

// First the process's memory bounds (this replaces the process once, before the commands' modules load).
relaunchWithMemoryBounds();
await import('./cli.js');
