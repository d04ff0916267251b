import { Routes } from '@angular/router';

export default [
  { path: '', title: 'Exports · AI Data Factory', loadComponent: () => import('./exports-page') },
] satisfies Routes;
