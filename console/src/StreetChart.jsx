// Apache ECharts (SVG renderer: its text is DOM text, so the shipped CJK web font applies and
// stays crisp on a wall screen): bars coloured by the number of open requests.
import { useEffect, useRef } from 'react';
import * as echarts from 'echarts/core';
import { BarChart } from 'echarts/charts';
import { GridComponent, TooltipComponent, VisualMapComponent } from 'echarts/components';
import { SVGRenderer } from 'echarts/renderers';

echarts.use([BarChart, GridComponent, TooltipComponent, VisualMapComponent, SVGRenderer]);

const FONT = '"Noto Sans SC", "Microsoft YaHei", "PingFang SC", sans-serif';

export default function StreetChart({ rows, onPick, unit = '件', label }) {
  const el = useRef(null);
  const chart = useRef(null);
  const pick = useRef(onPick);
  pick.current = onPick;

  useEffect(() => {
    chart.current = echarts.init(el.current, null, { renderer: 'svg' });
    chart.current.on('click', (p) => pick.current && pick.current(p.data && p.data.id, p.name));
    const resize = () => chart.current && chart.current.resize();
    const observer = new ResizeObserver(resize);
    observer.observe(el.current);
    return () => {
      observer.disconnect();
      chart.current.dispose();
      chart.current = null;
    };
  }, []);

  useEffect(() => {
    if (!chart.current) return;
    const sorted = [...rows].sort((a, b) => a.count - b.count);
    const max = Math.max(5, ...rows.map((r) => r.count));
    chart.current.setOption({
      textStyle: { fontFamily: FONT },
      animationDuration: 400,
      grid: { left: 8, right: 48, top: 8, bottom: 8, containLabel: true },
      tooltip: { trigger: 'item', formatter: (p) => `${p.name}<br/>${label}:<b>${p.value}</b> ${unit}`, textStyle: { fontFamily: FONT } },
      visualMap: {
        show: false, type: 'continuous', min: 0, max, dimension: 0,
        inRange: { color: ['#2b7de9', '#3fb8a9', '#f3c04f', '#f07b3f', '#e5484d'] },
      },
      xAxis: { type: 'value', minInterval: 1, splitLine: { lineStyle: { color: 'rgba(160,190,230,0.12)' } }, axisLabel: { color: '#8fa6c6', fontSize: 14 } },
      yAxis: {
        type: 'category', data: sorted.map((r) => r.name),
        axisLabel: { color: '#e8eef8', fontSize: 17, interval: 0 }, axisLine: { lineStyle: { color: 'rgba(160,190,230,0.3)' } }, axisTick: { show: false },
      },
      series: [{
        type: 'bar', barMaxWidth: 26, cursor: onPick ? 'pointer' : 'default',
        data: sorted.map((r) => ({ value: r.count, id: r.id })),
        label: { show: true, position: 'right', color: '#ffffff', fontSize: 17, fontWeight: 700 },
        itemStyle: { borderRadius: [0, 6, 6, 0] },
      }],
    }, true);
  }, [rows, unit, label, onPick]);

  return <div className="chart" ref={el} data-testid="street-chart" />;
}
