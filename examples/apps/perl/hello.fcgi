#!/usr/bin/perl
# Stoker fixture: the classic executable .fcgi script (Perl FCGI), accepting on the inherited fd-0
# socket. Answers every request with one line naming the language, the pid and APP_VERSION.
use strict;
use warnings;
use FCGI;
use POSIX ();

die "CRASH_ON_START=1: this fixture refuses to start\n" if ($ENV{CRASH_ON_START} // '') eq '1';

# Request params go to %params, so %ENV stays the process environment (APP_VERSION from the agent).
my %params;
my $request = FCGI::Request(\*STDIN, \*STDOUT, \*STDERR, \%params, 0);

# Graceful stop: a request already accepted is finished, then the script exits.
# %SIG handlers are deferred until Accept() returns, and libfcgi retries accept() on EINTR, so an
# idle script would never see them: an immediate (unsafe) sigaction handler closes the listening
# socket (fd 0) instead. A waiting accept() then fails and Accept() returns -1; a connection that
# Accept() has already taken (it may still be reading the request) is answered first.
my ($stopping, $busy) = (0, 0);
my $on_stop = POSIX::SigAction->new(sub { $stopping = 1; POSIX::close(0); });
$on_stop->safe(0);
POSIX::sigaction($_, $on_stop) for (POSIX::SIGTERM(), POSIX::SIGINT(), POSIX::SIGQUIT());

while (!$stopping && $request->Accept() >= 0) {
    $busy = 1;
    my $version = $ENV{APP_VERSION} || 'dev';
    print "Content-Type: text/plain; charset=utf-8\r\n\r\n";
    print "hello from perl pid=$$ version=$version\n";
    $request->Finish();
    $busy = 0;
}
exit 0;
