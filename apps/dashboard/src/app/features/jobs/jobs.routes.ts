import { Routes } from '@angular/router';

export default [
  { path: ':id', title: 'Job · AI Data Factory', loadComponent: () => import('./job-page') },
  { path: ':id/results', title: 'Results · AI Data Factory', loadComponent: () => import('./results-page') },
] satisfies Routes;
