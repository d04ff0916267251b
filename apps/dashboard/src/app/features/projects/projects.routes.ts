import { Routes } from '@angular/router';

export default [
  { path: '', title: 'Projects · AI Data Factory', loadComponent: () => import('./projects-page') },
  { path: ':id', title: 'Project · AI Data Factory', loadComponent: () => import('./project-detail-page') },
  { path: ':id/new-job', title: 'New job · AI Data Factory', loadComponent: () => import('./new-job-page') },
] satisfies Routes;
