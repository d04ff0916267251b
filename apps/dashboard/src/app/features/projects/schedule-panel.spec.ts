import { provideHttpClient } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { TestBed } from '@angular/core/testing';
import { provideRouter } from '@angular/router';

import { SchedulePanel } from './schedule-panel';

const stored = {
  projectId: 'p1',
  cron: '0 3 * * 1',
  timezone: 'Europe/Berlin',
  action: 'refresh',
  urls: [],
  nextRunAt: '2026-12-07T02:00:00.000Z',
  lastRunAt: '2026-11-30T02:00:00.000Z',
  lastJobId: null,
  lastError: 'the project has no completed job to refresh yet',
};

function setup() {
  TestBed.configureTestingModule({ providers: [provideHttpClient(), provideHttpClientTesting(), provideRouter([])] });
  const http = TestBed.inject(HttpTestingController);
  const fixture = TestBed.createComponent(SchedulePanel);
  fixture.componentRef.setInput('projectId', 'p1');
  fixture.autoDetectChanges();
  TestBed.tick();
  return { http, fixture, el: fixture.nativeElement as HTMLElement };
}

const type = (el: HTMLElement, selector: string, value: string) => {
  const input = el.querySelector(selector) as HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement;
  input.value = value;
  input.dispatchEvent(new Event(input instanceof HTMLSelectElement ? 'change' : 'input'));
};

describe('SchedulePanel', () => {
  it('shows that there is none, sets a new-job schedule, and shows the API refusing a bad cron', async () => {
    const { http, fixture, el } = setup();
    http
      .expectOne('/api/projects/p1/schedule')
      .flush({ statusCode: 404, message: 'project p1 has no schedule' }, { status: 404, statusText: 'Not Found' });
    await fixture.whenStable();
    expect(el.querySelector('[data-testid="schedule-none"]')).not.toBeNull();

    type(el, '#schedule-cron', 'every day');
    type(el, '#schedule-tz', 'UTC');
    type(el, '#schedule-action', 'new_job');
    await fixture.whenStable();
    type(el, '#schedule-urls', 'https://example.com/a\n\n https://example.com/b ');
    (el.querySelector('form') as HTMLFormElement).dispatchEvent(new Event('submit'));
    const put = http.expectOne({ method: 'PUT', url: '/api/projects/p1/schedule' });
    expect(put.request.body).toEqual({
      cron: 'every day',
      timezone: 'UTC',
      action: 'new_job',
      urls: ['https://example.com/a', 'https://example.com/b'],
    });
    put.flush(
      {
        statusCode: 400,
        error: 'Bad Request',
        message: 'cron must have 5 fields (minute hour day month weekday) or 6 (seconds first), not 2',
      },
      { status: 400, statusText: 'Bad Request' },
    );
    await fixture.whenStable();
    expect(el.querySelector('[data-testid="schedule-error"]')?.textContent).toContain('cron must have 5 fields');
    http.verify();
  });

  it('shows a stored schedule with its next tick and the last tick\u2019s error, and removes it', async () => {
    const { http, fixture, el } = setup();
    http.expectOne('/api/projects/p1/schedule').flush(stored);
    await fixture.whenStable();
    expect(el.querySelector('[data-testid="schedule-current"]')?.textContent).toContain('0 3 * * 1 (Europe/Berlin)');
    expect(el.querySelector('[data-testid="schedule-last-error"]')?.textContent).toContain(
      'no completed job to refresh',
    );
    expect((el.querySelector('#schedule-cron') as HTMLInputElement).value).toBe('0 3 * * 1');

    const remove = [...el.querySelectorAll('button')].find((b) => b.textContent?.trim() === 'Remove')!;
    remove.click();
    http
      .expectOne({ method: 'DELETE', url: '/api/projects/p1/schedule' })
      .flush(null, { status: 204, statusText: 'No Content' });
    await fixture.whenStable();
    expect(el.querySelector('[data-testid="schedule-none"]')).not.toBeNull();
    http.verify();
  });
});
