// Exports log records with the real OpenTelemetry JS SDK to agenttrace-ingress (tests/python/test_js_logs.py).
//   node logs.mjs <service.name> <http|grpc> <endpoint> <count>
import { SeverityNumber } from '@opentelemetry/api-logs';
import { LoggerProvider, BatchLogRecordProcessor } from '@opentelemetry/sdk-logs';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { OTLPLogExporter as ProtoExporter } from '@opentelemetry/exporter-logs-otlp-proto';
import { OTLPLogExporter as GrpcExporter } from '@opentelemetry/exporter-logs-otlp-grpc';

const [svc, protocol, endpoint, count] = process.argv.slice(2);
const exporter = protocol === 'grpc' ? new GrpcExporter({ url: endpoint }) : new ProtoExporter({ url: endpoint });
const provider = new LoggerProvider({
  resource: resourceFromAttributes({ 'service.name': svc }),
  processors: [new BatchLogRecordProcessor({ exporter, maxExportBatchSize: 100, scheduledDelayMillis: 50 })],
});
const logger = provider.getLogger('agenttrace.tests.js', '1.0');
for (let i = 0; i < Number(count); i++) {
  logger.emit({
    severityNumber: i % 10 === 0 ? SeverityNumber.WARN : SeverityNumber.INFO,
    severityText: i % 10 === 0 ? 'WARN' : 'INFO',
    body: { text: `record ${i}`, i },
    attributes: { seq: i, 'app.step': 'js' },
    eventName: i === 0 ? 'app.started' : undefined,
  });
}
await provider.forceFlush();
await provider.shutdown();
console.log(`exported ${count}`);
