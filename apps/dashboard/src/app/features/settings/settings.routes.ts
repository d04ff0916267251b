import { Routes } from '@angular/router';

export default [
  { path: '', title: 'Settings · AI Data Factory', loadComponent: () => import('./settings-page') },
] satisfies Routes;
