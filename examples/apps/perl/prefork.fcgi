#!/usr/bin/perl
# Stoker fixture: a prefork Perl FCGI app, the way FCGI::ProcManager-style scripts run: the parent
# forks 3 workers that all accept on the inherited fd-0 socket, replaces a worker that dies, and on
# TERM/INT stops its workers and exits. It never serves itself. A worker does not watch its parent:
# if the parent is killed (SIGKILL), its workers are orphans that keep serving, which is what a
# supervisor has to see and clean up. Answers like hello.fcgi, with the worker's pid.
use strict;
use warnings;
use FCGI;
use POSIX ();

my $workers = $ENV{WORKERS} || 3;
my %kids;

sub worker {
    my %params;
    my $request = FCGI::Request(\*STDIN, \*STDOUT, \*STDERR, \%params, 0);
    # As in hello.fcgi: an immediate handler closes the listening socket so a waiting Accept() returns.
    my $stopping = 0;
    my $on_stop = POSIX::SigAction->new(sub { $stopping = 1; POSIX::close(0); });
    $on_stop->safe(0);
    POSIX::sigaction($_, $on_stop) for (POSIX::SIGTERM(), POSIX::SIGINT(), POSIX::SIGQUIT());
    while (!$stopping && $request->Accept() >= 0) {
        my $version = $ENV{APP_VERSION} || 'dev';
        print "Content-Type: text/plain; charset=utf-8\r\n\r\n";
        print "hello from perl pid=$$ version=$version\n";
        $request->Finish();
    }
    POSIX::_exit(0);
}

sub spawn_worker {
    my $pid = fork();
    die "fork: $!" unless defined $pid;
    worker() if $pid == 0;
    $kids{$pid} = 1;
}

my $stopping = 0;
$SIG{TERM} = $SIG{INT} = sub { $stopping = 1; kill 'TERM', keys %kids; };
spawn_worker() for 1 .. $workers;
while (%kids) {
    my $pid = waitpid(-1, 0);
    last if $pid < 0;
    delete $kids{$pid};
    spawn_worker() if !$stopping;
}
exit 0;
