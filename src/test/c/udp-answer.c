/* udp-answer PORT TEXT: answers every datagram on [::]:PORT with TEXT, sent back to its sender
 * (busybox has no UDP server here). For the published-ports tests. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

int main(int argc, char **argv) {
  if (argc != 3) return 2;
  int s = socket(AF_INET6, SOCK_DGRAM, 0);
  struct sockaddr_in6 a = {.sin6_family = AF_INET6, .sin6_port = htons(atoi(argv[1]))};
  if (s < 0 || bind(s, (struct sockaddr *)&a, sizeof a) < 0) return 1;
  for (;;) {
    char buf[512];
    struct sockaddr_in6 from;
    socklen_t len = sizeof from;
    if (recvfrom(s, buf, sizeof buf, 0, (struct sockaddr *)&from, &len) < 0) return 1;
    sendto(s, argv[2], strlen(argv[2]), 0, (struct sockaddr *)&from, len);
  }
}
