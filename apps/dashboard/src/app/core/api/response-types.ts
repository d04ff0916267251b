/**
 * Response shapes of the routes whose controllers do not yet declare a response
 * schema (`@ApiOkResponse`), so the generated client types them as `void`.
 * They mirror the API's DTOs (apps/api/src/{projects,exports}); once the
 * controllers declare them, the generated models replace this file.
 */
export interface Project {
  readonly id: string;
  readonly name: string;
  readonly description: string | null;
  readonly config: Record<string, unknown>;
  readonly createdAt: string;
  readonly updatedAt: string;
}

export interface Page<T> {
  readonly page: number;
  readonly pageSize: number;
  readonly total: number;
  readonly items: readonly T[];
}

export interface ExportFile {
  readonly split: string;
  readonly file: string;
  readonly records: number;
  readonly bytes: number;
  readonly downloadUrl: string;
}

export interface DatasetExport {
  readonly id: string;
  readonly jobId: string;
  readonly projectId: string;
  readonly projectName: string;
  readonly format: string;
  readonly version: string;
  readonly recordCount: number;
  readonly files: readonly ExportFile[];
  readonly downloadUrl: string;
  readonly cardUrl: string;
  readonly createdAt: string;
}
