global using System.Net;
global using Portal.IntegrationTests.Infrastructure;
global using Shouldly;
global using Xunit;
