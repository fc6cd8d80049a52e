using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Portal.Migrations.PostgreSql.Migrations
{
    /// <inheritdoc />
    public partial class FreeTasksLeaveTheCounters : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            // The counters count devices from now on: free tasks (a title, no device) counted until this migration leave them. The
            // incidents' burn-down points stay as they were drawn; each incident's next device change draws its point from the
            // corrected counters.
            migrationBuilder.Sql("""
                UPDATE "RemediationProgress" SET
                    "Pending" = "Pending" - (SELECT COUNT(*) FROM "RemediationTasks" t WHERE t."IncidentId" = "RemediationProgress"."IncidentId" AND t."DeviceId" IS NULL AND t."State" = 'Pending'),
                    "InProgress" = "InProgress" - (SELECT COUNT(*) FROM "RemediationTasks" t WHERE t."IncidentId" = "RemediationProgress"."IncidentId" AND t."DeviceId" IS NULL AND t."State" = 'InProgress'),
                    "Blocked" = "Blocked" - (SELECT COUNT(*) FROM "RemediationTasks" t WHERE t."IncidentId" = "RemediationProgress"."IncidentId" AND t."DeviceId" IS NULL AND t."State" = 'Blocked'),
                    "Done" = "Done" - (SELECT COUNT(*) FROM "RemediationTasks" t WHERE t."IncidentId" = "RemediationProgress"."IncidentId" AND t."DeviceId" IS NULL AND t."State" = 'Done'),
                    "Failed" = "Failed" - (SELECT COUNT(*) FROM "RemediationTasks" t WHERE t."IncidentId" = "RemediationProgress"."IncidentId" AND t."DeviceId" IS NULL AND t."State" = 'Failed'),
                    "NotApplicable" = "NotApplicable" - (SELECT COUNT(*) FROM "RemediationTasks" t WHERE t."IncidentId" = "RemediationProgress"."IncidentId" AND t."DeviceId" IS NULL AND t."State" = 'NotApplicable')
                WHERE EXISTS (SELECT 1 FROM "RemediationTasks" t WHERE t."IncidentId" = "RemediationProgress"."IncidentId" AND t."DeviceId" IS NULL);
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            // The free tasks counted again, as before this migration.
            migrationBuilder.Sql("""
                UPDATE "RemediationProgress" SET
                    "Pending" = "Pending" + (SELECT COUNT(*) FROM "RemediationTasks" t WHERE t."IncidentId" = "RemediationProgress"."IncidentId" AND t."DeviceId" IS NULL AND t."State" = 'Pending'),
                    "InProgress" = "InProgress" + (SELECT COUNT(*) FROM "RemediationTasks" t WHERE t."IncidentId" = "RemediationProgress"."IncidentId" AND t."DeviceId" IS NULL AND t."State" = 'InProgress'),
                    "Blocked" = "Blocked" + (SELECT COUNT(*) FROM "RemediationTasks" t WHERE t."IncidentId" = "RemediationProgress"."IncidentId" AND t."DeviceId" IS NULL AND t."State" = 'Blocked'),
                    "Done" = "Done" + (SELECT COUNT(*) FROM "RemediationTasks" t WHERE t."IncidentId" = "RemediationProgress"."IncidentId" AND t."DeviceId" IS NULL AND t."State" = 'Done'),
                    "Failed" = "Failed" + (SELECT COUNT(*) FROM "RemediationTasks" t WHERE t."IncidentId" = "RemediationProgress"."IncidentId" AND t."DeviceId" IS NULL AND t."State" = 'Failed'),
                    "NotApplicable" = "NotApplicable" + (SELECT COUNT(*) FROM "RemediationTasks" t WHERE t."IncidentId" = "RemediationProgress"."IncidentId" AND t."DeviceId" IS NULL AND t."State" = 'NotApplicable')
                WHERE EXISTS (SELECT 1 FROM "RemediationTasks" t WHERE t."IncidentId" = "RemediationProgress"."IncidentId" AND t."DeviceId" IS NULL);
                """);
        }
    }
}
