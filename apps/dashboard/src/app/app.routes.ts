import { Routes } from '@angular/router';

// One lazy chunk per feature; each feature owns its `*.routes.ts`.
export const routes: Routes = [
  { path: '', pathMatch: 'full', loadChildren: () => import('./features/home/home.routes') },
  { path: 'projects', loadChildren: () => import('./features/projects/projects.routes') },
  { path: 'jobs', loadChildren: () => import('./features/jobs/jobs.routes') },
  { path: 'exports', loadChildren: () => import('./features/exports/exports.routes') },
  { path: 'settings', loadChildren: () => import('./features/settings/settings.routes') },
  {
    path: '**',
    title: 'Not found · AI Data Factory',
    loadComponent: () => import('./shared/not-found/not-found-page'),
  },
];
