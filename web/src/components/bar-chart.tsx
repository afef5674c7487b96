import { BarController, BarElement, CategoryScale, Chart, Legend, LinearScale, Tooltip } from 'chart.js';
import { useEffect, useRef } from 'preact/hooks';

// only what bar charts need: Chart.js is tree-shaken down to these
Chart.register(BarController, BarElement, CategoryScale, LinearScale, Legend, Tooltip);

export interface Series {
  label: string;
  values: readonly number[];
  color: string;
}

/**
 * A bar chart (Chart.js, on a canvas). The canvas is an image to a screen
 * reader, so each chart says what it shows, and the numbers are in a table
 * beside it.
 */
export function BarChart(props: {
  label: string;
  labels: readonly string[];
  series: readonly Series[];
  stacked?: boolean;
  horizontal?: boolean;
  unit?: string;
}) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const key = JSON.stringify([props.labels, props.series, props.stacked, props.horizontal]);
  useEffect(() => {
    if (!canvas.current) return;
    const valueAxis = {
      stacked: !!props.stacked,
      beginAtZero: true,
      ticks: { precision: 0, color: '#334155' },
      grid: { color: '#e2e8f0' },
      title: props.unit ? { display: true, text: props.unit, color: '#334155' } : { display: false },
    };
    const categoryAxis = {
      stacked: !!props.stacked,
      ticks: { color: '#334155', autoSkip: true, maxRotation: 0 },
      grid: { display: false },
    };
    const chart = new Chart(canvas.current, {
      type: 'bar',
      data: {
        labels: [...props.labels],
        datasets: props.series.map((s) => ({
          label: s.label,
          data: [...s.values],
          backgroundColor: s.color,
          borderRadius: 2,
          maxBarThickness: 48,
        })),
      },
      options: {
        // drawn once, at once: numbers to read, not a show (and still pictures for the screenshots)
        animation: false,
        responsive: true,
        maintainAspectRatio: false,
        indexAxis: props.horizontal ? 'y' : 'x',
        plugins: { legend: { display: props.series.length > 1, labels: { color: '#1e293b' } } },
        scales: props.horizontal ? { x: valueAxis, y: categoryAxis } : { x: categoryAxis, y: valueAxis },
      },
    });
    return () => chart.destroy();
  }, [key]);
  return (
    <div class="chart">
      <canvas ref={canvas} role="img" aria-label={props.label} />
    </div>
  );
}
