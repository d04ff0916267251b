import { Routes } from '@angular/router';

// A placeholder until the projects page is built.
export default [
  {
    path: '',
    title: 'Projects · AI Data Factory',
    loadComponent: () => import('../../shared/coming-soon/coming-soon-page'),
    data: { heading: 'Projects', summary: 'Projects, their crawl targets and their jobs.' },
  },
] satisfies Routes;
