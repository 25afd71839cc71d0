// FullCalendar 6 as an app would ship it for a week view with selection: core, timegrid,
// interaction. scripts/bench.sh bundles this with esbuild --bundle --minify.
import { Calendar } from '@fullcalendar/core';
import timeGridPlugin from '@fullcalendar/timegrid';
import interactionPlugin from '@fullcalendar/interaction';
window.FullCalendarBench = { Calendar, timeGridPlugin, interactionPlugin };
