import { ChangeDetectionStrategy, Component, ElementRef, inject, signal, viewChild } from '@angular/core';
import { rxResource } from '@angular/core/rxjs-interop';
import { FormsModule } from '@angular/forms';
import { RouterLink } from '@angular/router';

import type { ProjectResponseDto } from '../../api/models';
import { type ErrorView, describeError } from '../../core/api/api-error';
import { DataApi } from '../../core/api/data-api';
import { formatDateTime } from '../../core/format/format';
import { StateMessage } from '../../shared/state/state-message';

/** Project list: create, rename in place, delete after a confirmation dialog. */
@Component({
  selector: 'app-projects-page',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [RouterLink, FormsModule, StateMessage],
  templateUrl: './projects-page.html',
  styles: `
    .create {
      display: grid;
      grid-template-columns: minmax(12rem, 1fr) minmax(12rem, 2fr) auto;
      gap: 0.75rem;
      align-items: end;
    }
    @media (max-width: 760px) {
      .create {
        grid-template-columns: 1fr;
      }
    }
    .row-actions {
      display: flex;
      gap: 0.4rem;
      justify-content: flex-end;
      flex-wrap: wrap;
    }
    .rename {
      display: flex;
      gap: 0.4rem;
    }
    .project-link {
      font-weight: 600;
    }
    dialog h2 {
      margin-block-end: 0.75rem;
    }
    dialog .row-actions {
      margin-block-start: 1.25rem;
    }
  `,
})
export default class ProjectsPage {
  private readonly api = inject(DataApi);

  protected readonly projects = rxResource({ stream: () => this.api.listProjects(1, 200) });
  protected readonly newName = signal('');
  protected readonly newDescription = signal('');
  protected readonly creating = signal(false);
  protected readonly createError = signal<ErrorView | null>(null);

  protected readonly renamingId = signal<string | null>(null);
  protected readonly renameValue = signal('');
  protected readonly rowError = signal<string | null>(null);

  protected readonly toDelete = signal<ProjectResponseDto | null>(null);
  protected readonly deleting = signal(false);
  private readonly dialog = viewChild<ElementRef<HTMLDialogElement>>('confirmDialog');

  protected readonly formatDateTime = formatDateTime;
  protected readonly describe = describeError;

  protected create(): void {
    const name = this.newName().trim();
    if (!name) {
      this.createError.set({ status: 400, message: 'A project needs a name.', details: [] });
      return;
    }
    this.creating.set(true);
    this.createError.set(null);
    this.api.createProject(name, this.newDescription().trim() || null).subscribe({
      next: () => {
        this.creating.set(false);
        this.newName.set('');
        this.newDescription.set('');
        this.projects.reload();
      },
      error: (error: unknown) => {
        this.creating.set(false);
        this.createError.set(describeError(error));
      },
    });
  }

  protected startRename(project: ProjectResponseDto): void {
    this.renamingId.set(project.id);
    this.renameValue.set(project.name);
    this.rowError.set(null);
  }

  protected saveRename(project: ProjectResponseDto): void {
    const name = this.renameValue().trim();
    if (!name || name === project.name) {
      this.renamingId.set(null);
      return;
    }
    this.api.renameProject(project.id, name).subscribe({
      next: () => {
        this.renamingId.set(null);
        this.projects.reload();
      },
      error: (error: unknown) => this.rowError.set(describeError(error).message),
    });
  }

  protected askDelete(project: ProjectResponseDto): void {
    this.toDelete.set(project);
    this.dialog()?.nativeElement.showModal();
  }

  protected cancelDelete(): void {
    this.dialog()?.nativeElement.close();
    this.toDelete.set(null);
  }

  protected confirmDelete(): void {
    const project = this.toDelete();
    if (!project) return;
    this.deleting.set(true);
    this.api.deleteProject(project.id).subscribe({
      next: () => {
        this.deleting.set(false);
        this.cancelDelete();
        this.projects.reload();
      },
      error: (error: unknown) => {
        this.deleting.set(false);
        this.cancelDelete();
        this.rowError.set(describeError(error).message);
      },
    });
  }
}
