import { Routes } from '@angular/router';

// A placeholder until the settings page is built.
export default [
  {
    path: '',
    title: 'Settings · AI Data Factory',
    loadComponent: () => import('../../shared/coming-soon/coming-soon-page'),
    data: { heading: 'Settings', summary: 'API keys for the model providers and the default pipeline configuration.' },
  },
] satisfies Routes;
