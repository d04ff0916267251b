import { Routes } from '@angular/router';

export default [
  {
    path: '',
    title: 'Home · AI Data Factory',
    loadComponent: () => import('./home-page'),
  },
] satisfies Routes;
