import { TestBed } from '@angular/core/testing';

import { BarChart } from './bar-chart';
import { DonutChart } from './donut-chart';

describe('charts', () => {
  it('draws one bar per datum, scaled to the largest, with a table for screen readers', async () => {
    const fixture = TestBed.createComponent(BarChart);
    fixture.componentRef.setInput('data', [
      { label: '2026-11-24', value: 1 },
      { label: '2026-11-25', value: 2 },
    ]);
    fixture.componentRef.setInput('label', 'Cost per day');
    await fixture.whenStable();
    const bars = [...fixture.nativeElement.querySelectorAll('rect.bar')] as SVGRectElement[];
    expect(bars.map((bar) => Number(bar.getAttribute('height')))).toEqual([78, 156]);
    expect(fixture.nativeElement.querySelectorAll('table tr')).toHaveLength(2);
    expect(fixture.nativeElement.querySelector('svg').getAttribute('aria-label')).toBe('Cost per day');
  });

  it('splits the donut by value and names every part', async () => {
    const fixture = TestBed.createComponent(DonutChart);
    fixture.componentRef.setInput('segments', [
      { label: 'Passed', value: 3, tone: 'ok' },
      { label: 'Filtered', value: 1, tone: 'bad' },
    ]);
    fixture.componentRef.setInput('label', 'Quality');
    await fixture.whenStable();
    const arcs = [...fixture.nativeElement.querySelectorAll('circle.arc')] as SVGCircleElement[];
    const lengths = arcs.map((arc) => Number(arc.getAttribute('stroke-dasharray')!.split(' ')[0]));
    expect(lengths[0] / lengths[1]).toBeCloseTo(3);
    expect(fixture.nativeElement.querySelector('svg').getAttribute('aria-label')).toBe('Quality: Passed 3, Filtered 1');
  });
});
