import { Routes } from '@angular/router';

// A placeholder until the exports page is built.
export default [
  {
    path: '',
    title: 'Exports · AI Data Factory',
    loadComponent: () => import('../../shared/coming-soon/coming-soon-page'),
    data: {
      heading: 'Exports',
      summary: 'Download every generated dataset in JSON, JSONL or CSV, with its dataset card.',
    },
  },
] satisfies Routes;
